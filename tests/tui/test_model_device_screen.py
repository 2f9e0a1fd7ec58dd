"""The Models screen on a GPU installation warns of a CPU model, and lets it through."""

from __future__ import annotations

import pytest
from textual.widgets import Select
from tui_helpers import screen_name, wait_for, widget_text

from ffwizard.ui.app import create_app
from ffwizard.ui.screens.models import OTHER

pytestmark = pytest.mark.asyncio


async def test_cpu_model_on_gpu_is_warned_and_offers_only_gpu_models(sim_sandbox):
    demo = sim_sandbox
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(2):
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
        await wait_for(pilot, lambda: screen_name(app) == "ModelsScreen")
        select = app.screen.query_one("#model-face", Select)
        offered = [value for _label, value in select._options if value != OTHER]
        assert offered and all(str(v).endswith(".gpu.fnk") for v in offered)

        select.value = OTHER
        await pilot.pause(0.1)
        await pilot.press(*"face/nectarine_l_320.cpu.fnk")
        await pilot.pause(0.1)
        problem = app.screen.query_one("#problem-face")
        assert "is a CPU model" in widget_text(app, "#problem-face")
        assert "face/nectarine_l_320.gpu.fnk" in widget_text(app, "#problem-face")
        assert problem.has_class("-warning")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(app) == "ShardsScreen")
        assert app.state.answers["models"]["face"] == "face/nectarine_l_320.cpu.fnk"
