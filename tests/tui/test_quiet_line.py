"""The progress row's widgets repaint only the cells that changed (what a poll sends a slow
SSH link), and show what they were given."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from tui_helpers import wait_for

from ffwizard.ui.widgets.quiet_line import BarPart, QuietBar, QuietFields, QuietText

pytestmark = pytest.mark.asyncio


class RowApp(App):
    CSS = "#row { height: 1; }"

    def compose(self) -> ComposeResult:
        with Horizontal(id="row"):
            yield QuietBar(id="bar")
            yield QuietFields("100/8,000 objects · 25/s · ETA 5m30s", id="fields")


def row_text(app: App) -> str:
    return app.screen._compositor.render_strips()[0].text


def repaints(widgets) -> list:
    """Record every refresh the widgets ask for: (widget, regions)."""
    asked: list = []
    for widget in widgets:
        original = widget.refresh

        def spy(*regions, _widget=widget, _original=original, **options):
            asked.append((_widget, regions, options))
            return _original(*regions, **options)

        widget.refresh = spy
    return asked


async def test_a_new_count_repaints_its_digits_only():
    app = RowApp()
    async with app.run_test(size=(80, 3)) as pilot:
        fields = app.query_one(QuietFields)
        await wait_for(pilot, lambda: "ETA 5m30s" in row_text(app))
        count, rate, eta = fields.query_children(QuietText)
        asked = repaints([count, rate, eta])
        fields.update("120/8,000 objects · 25/s · ETA 5m28s")
        await wait_for(pilot, lambda: "120/8,000 objects · 25/s · ETA 5m28s" in row_text(app))
        assert [(widget, regions) for widget, regions, _ in asked] == [
            (count, ((1, 0, 1, 1),)),  # "1[0]0" → "1[2]0"
            (eta, ((len(" · ETA 5m"), 0, 2, 1),)),  # "30" → "28"
        ]
        assert fields.shown_text == "120/8,000 objects · 25/s · ETA 5m28s"


async def test_fewer_fields_take_their_widgets_away():
    app = RowApp()
    async with app.run_test(size=(80, 3)) as pilot:
        fields = app.query_one(QuietFields)
        fields.update("600/8,000 objects · stalled for 2m00s")
        await wait_for(pilot, lambda: len(fields.query_children(QuietText)) == 2)
        await wait_for(pilot, lambda: "600/8,000 objects · stalled for 2m00s" in row_text(app))
        assert "ETA" not in row_text(app) and "25/s" not in row_text(app)


async def test_the_bar_repaints_where_its_end_moved_and_the_percentage():
    app = RowApp()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(QuietBar)
        bar.update(total=None, progress=0)
        await wait_for(pilot, lambda: "--%" in row_text(app))
        bar.update(total=1000, progress=300)
        await wait_for(pilot, lambda: " 30%" in row_text(app))
        parts = list(bar.query_children(BarPart))
        asked = repaints(parts)
        bar.update(total=1000, progress=310)
        await wait_for(pilot, lambda: " 31%" in row_text(app))
        repainted = {widget for widget, _, _ in asked}
        assert len(repainted) == 1 and all(regions for _, regions, _ in asked)
        # 31% of the bar's cells are drawn in the bar's colour, the rest in its background's.
        cells = [segment for part in parts for segment in part.render_line(0)]
        done = sum(len(s.text) for s in cells if s.style and s.style.color
                   and s.style.color == cells[0].style.color)
        width = sum(part.size.width for part in parts)
        assert abs(done - 0.31 * width) <= 1
