"""The colours that carry meaning, as theme variables that stay apart in a 16-colour terminal.

The theme's `$text-success` and `$text-error` are its colours blended towards the foreground:
in truecolor they read well, but downgraded to the 16 ANSI colours (PuTTY, `docker exec`, a
`TERM=xterm` over SSH, `TEXTUAL_COLOR_SYSTEM=standard`) both become the same grey. The variables
below are the theme's own hues, light enough for a dark background and saturated enough to
land on bright green, bright red and yellow. `tests/tui/test_colours.py` checks it.
"""

from __future__ import annotations

GOOD = "$success"            # added lines, passed checks, done steps
BAD = "$error-lighten-1"     # removed lines, errors, failed checks and steps
CAUTION = "$text-warning"    # warnings, what cannot be undone
