"""The Shards screen: a row with an empty or invalid port is that row's problem, not a claim that
the table lists fewer shards than it shows (in both languages)."""

from __future__ import annotations

import pytest
from textual.widgets import Input
from tui_helpers import press_next, screen_name, wait_for, widget_text

from ffwizard.i18n import set_language
from ffwizard.ui.app import create_app

pytestmark = pytest.mark.asyncio

WORDS = {
    "en": dict(row="row 2: HTTP port must be a number from 1 to 65535.",
               count="new_shards lists", message="1 problem(s): see below the table."),
    "ru": dict(row="строка 2:", count="new_shards", message="1"),
}


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_one_empty_port_is_one_problem_of_its_row(sim_sandbox, language):
    demo = sim_sandbox
    set_language(language)
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_next(pilot, app, 3)
        await wait_for(pilot, lambda: screen_name(app) == "ShardsScreen")
        words = WORDS[language]
        for value in ("", "99999"):
            app.screen.query_one("#http-1", Input).value = value
            await wait_for(pilot, lambda: words["message"] in widget_text(app, "#message")
                           and app.screen.query_one("#http-1").has_class("-invalid-value"))
            problems = widget_text(app, "#shard-problems").splitlines()
            assert len(problems) == 1, problems
            assert problems[0].startswith(words["row"]), problems
            assert words["count"] not in problems[0]
            assert words["message"] in widget_text(app, "#message")
            assert app.screen.query_one("#http-1").has_class("-invalid-value")
