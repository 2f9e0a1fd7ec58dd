"""In a 16-colour terminal (PuTTY, `docker exec`, TERM=xterm over SSH; here as Textual's
`TEXTUAL_COLOR_SYSTEM=standard` does it) additions, deletions and errors keep colours of their
own: none of them may fall to the grey of plain text."""

from __future__ import annotations

import pytest
from rich.color import ColorSystem
from textual.app import App
from textual.widgets import Static

from ffwizard.ui.app import WizardApp
from ffwizard.ui.widgets.diff_view import DiffView

DIFF = """--- a/compose.yaml
+++ b/compose.yaml
@@ -1,2 +1,2 @@
 keep: this
-model: face/kiwi_320.gpu.fnk
+model: face/nectarine_m_160.gpu.fnk
"""
pytestmark = pytest.mark.asyncio

GREYS = {0, 7, 8, 15, None}  # black, grey, dark grey, white: what plain text looks like


class Colours(App):
    CSS = WizardApp.CSS

    def compose(self):
        yield DiffView(DIFF)
        yield Static("row 2: the name is empty.", classes="problem")
        yield Static("3 problems: see below the table.", id="message", classes="-error")


def standard_colour(app, text: str) -> int | None:
    """The 16-colour number the terminal gets for the first cell showing `text`."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if text in segment.text and segment.style and segment.style.color:
                return segment.style.color.downgrade(ColorSystem.STANDARD).number
    raise AssertionError(f"{text!r} is not on the screen")


async def test_additions_deletions_and_errors_stay_apart_in_16_colours():
    app = Colours()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        added = standard_colour(app, "+model: face/nectarine")
        removed = standard_colour(app, "-model: face/kiwi")
        problem = standard_colour(app, "the name is empty")
        message = standard_colour(app, "see below the table")
        plain = standard_colour(app, " keep: this")
    assert added not in GREYS and removed not in GREYS, (added, removed)
    assert added != removed
    assert problem not in GREYS and message not in GREYS
    assert problem != added and plain != removed
