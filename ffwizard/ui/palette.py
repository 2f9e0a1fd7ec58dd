"""The colours that carry meaning, as theme variables that stay apart in a 16-colour terminal.

The theme's `$text-success` and `$text-error` are its colours blended towards the foreground:
in truecolor they read well, but downgraded to the 16 ANSI colours (PuTTY, `docker exec`, a
`TERM=xterm` over SSH, `TEXTUAL_COLOR_SYSTEM=standard`) both become the same grey. The variables
below are the theme's own hues, light enough for a dark background and saturated enough to
land on bright green, bright red and yellow. `tests/tui/test_colours.py` checks it.
"""

from __future__ import annotations

from rich.style import Style

GOOD = "$success"            # added lines, passed checks, done steps
BAD = "$error-lighten-1"     # removed lines, errors, failed checks and steps
CAUTION = "$text-warning"    # warnings, what cannot be undone

# The terminal's own colours (CSS `ansi_default`, the output pane and the progress row), and the
# style that sends no colour code for them: a row drawn so costs its text alone over SSH.
TERMINAL_COLOURS = Style(color="default", bgcolor="default")
NO_STYLE = Style()
