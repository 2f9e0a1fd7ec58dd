"""The Installation screen at 80×24: each service on one line with its state (in Russian too),
and a checklist whose counts are those of the list above it."""

from __future__ import annotations

import re

import pytest
from tui_helpers import screen_name, screen_text, wait_for, widget_text

from ffwizard.i18n import set_language
from ffwizard.ui.app import create_app
from ffwizard.ui.screens.installation import state_word

pytestmark = pytest.mark.asyncio
RUNNING = {"en": "running", "ru": "работает"}


async def open_installation(pilot, app) -> None:
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await wait_for(pilot, lambda: screen_name(app) == "InstallationScreen")
    await wait_for(pilot, lambda: "✓" in widget_text(app, "#checks") or "✗" in widget_text(app, "#checks"))


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_every_service_is_one_line_with_its_state(sim_sandbox_factory, language):
    demo = sim_sandbox_factory(shards=8)
    set_language(language)
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_installation(pilot, app)
        services = app.state.detection.services
        body = app.screen.query_one("#body")
        await wait_for(pilot, lambda: body.max_scroll_y > 0)  # laid out: there is somewhere to go
        body.scroll_to_widget(app.screen.query_one("#services"), top=True, animate=False)
        await wait_for(pilot, lambda: "●" in screen_text(app) or "○" in screen_text(app))
        await pilot.pause()
        rows = screen_text(app).splitlines()
        words = {state_word(s.state) for s in services.values()}
        assert RUNNING[language] in words
        listed = [row for row in rows if "●" in row or "○" in row]
        found = dict(re.findall(r"[●○] (\S+) +(\S+)", "\n".join(listed)))
        assert found == {name.removeprefix("findface-"): state_word(s.state)
                         for name, s in services.items()}, listed
        # No row holds a state word alone (wrapped from the row above).
        assert not [row for row in rows if row.strip() in words]


async def test_the_checklist_counts_what_it_checked_and_says_what_the_others_are(sim_sandbox):
    demo = sim_sandbox
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_installation(pilot, app)
        listed = len(app.state.detection.services)
        checks = widget_text(app, "#checks")
        found = re.search(r"the (\d+) services the steps use run \(the (\d+) others are not "
                          r"checked\)", checks)
        assert found, checks
        assert int(found[1]) + int(found[2]) == listed
