"""The wizard driven from the keyboard through a whole demo migration, and its detours."""

from __future__ import annotations

import json

import pytest
import yaml
from tui_helpers import screen_name, screen_text, wait_for, widget_text

from ffwizard.ui.app import create_app

pytestmark = pytest.mark.asyncio


class KeyCounter:
    """Presses keys through the pilot and counts them."""

    def __init__(self, pilot):
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)


async def test_default_migration_from_welcome_to_done(sim_sandbox, fast_executor):
    demo = sim_sandbox
    root = demo.root
    compose_before = (root / "docker-compose.yaml").read_text()
    extraction = root / "configs/findface-extraction-api/findface-extraction-api.yaml"
    sf_api = root / "configs/findface-sf-api/findface-sf-api.yaml"
    app = create_app(root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(100, 32)) as pilot:
        keys = KeyCounter(pilot)
        await wait_for(pilot, lambda: "upgrade FindFace Multi first" in screen_text(app))
        assert screen_name(app) == "WelcomeScreen"

        await keys.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "InstallationScreen")
        shards = widget_text(app, "#shards")
        for n in range(1, 5):
            assert f"shard-00{n}" in shards
        assert "the three sources agree" in screen_text(app)
        assert "GPU" in " ".join(str(w.render()) for w in app.screen.query("#facts Static"))
        assert "✗" not in widget_text(app, "#checks")

        await keys.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ModelsScreen")
        proposal = {kind: app.screen.query_one(f"#model-{kind}").value
                    for kind in ("face", "body", "car")}
        current = app.state.installation.models
        for kind, model in proposal.items():
            assert model != current[kind] and model.endswith(".gpu.fnk")

        await keys.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ShardsScreen")
        names = [app.screen.query_one(f"#name-{i}").value for i in range(4)]
        assert names == ["shard-011", "shard-012", "shard-013", "shard-014"]

        await keys.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "SettingsScreen")
        assert "free space there:" in widget_text(app, "#free-space")

        await keys.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")
        await wait_for(pilot, lambda: app.state.plan is not None
                       and not app.screen.query_one("#next").disabled)
        await wait_for(pilot, lambda: "1. Back up the feature-vector database" in screen_text(app))
        diffs = [w.render() for w in app.screen.query("DiffView")]
        assert any("+" in str(d) and "shard-011" in str(d) for d in diffs)
        assert app.screen.query(".no-return")

        await keys.press("enter")  # Apply… asks first
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        await keys.press("right", "enter")  # from Cancel to Start
        await wait_for(pilot, lambda: screen_name(app) == "RunScreen")
        assert keys.count <= 15, f"{keys.count} key presses from launch to the run"
        run_screen = app.screen

        # The point of no return asks again.
        await wait_for(pilot, lambda: screen_name(app) == "Choice", timeout=120)
        await wait_for(pilot, lambda: "point of no return" in widget_text(app, ".dialog-title").lower())
        await pilot.press("right", "enter")
        await wait_for(pilot, lambda: run_screen.outcome is not None, timeout=120)
        assert run_screen.outcome.status == "done", run_screen.outcome
        log_lines = list(run_screen.query_one("#log").lines)
        assert any("Re-extract every object" in line for line in log_lines)
        await wait_for(pilot, lambda: "✓ Finished" in screen_text(app), timeout=30)
        await wait_for(pilot, lambda: app.screen.query_one("#results").display)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "DoneScreen")
        verification = widget_text(app, "#verification")
        assert "ffsec_face_events" in verification and "✗" not in verification
        assert "report.md" in " ".join(str(w.render()) for w in app.screen.query("#where Static"))
        assert "deleted by hand" in widget_text(app, "#keep")
        # Quitting here does not claim that nothing was changed.
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        question = widget_text(app, "#dialog-text")
        assert "The migration is finished" in question and "report.md" in question
        assert "Nothing has been changed" not in question
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "DoneScreen")

    # The files on disk changed as planned.
    plan = app.state.plan
    compose_after = (root / "docker-compose.yaml").read_text()
    assert compose_after == plan.step("remove_old_shards").changes[0].after
    assert compose_after != compose_before
    services = yaml.safe_load(compose_after)["services"]
    assert "findface-tarantool-server-shard-011" in services
    assert "findface-tarantool-server-shard-001" not in services
    models = yaml.safe_load(extraction.read_text())["extractors"]["models"]
    assert models["face_emben"]["default"]["model"] == proposal["face"]
    shards = yaml.safe_load(sf_api.read_text())["storage-api"]["shards"]
    assert [s["master"] for s in shards] == [
        f"http://127.0.0.1:{s.http_port}/v2/" for s in plan.new_shards]
    for n in range(1, 5):  # old shard data is never deleted
        assert (root / f"data/findface-tarantool-server/shard-00{n}").is_dir()
    runs = list((root / ".ffwizard/runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "report.md").exists()
    assert json.loads((runs[0] / "run.json").read_text())["runtime"] == "sim"

    # Opened again after the run, the wizard shows that run's result; Back starts anew.
    again = create_app(root, "sim", demo=True, runtime=demo.runtime)
    async with again.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: screen_name(again) == "DoneScreen")
        verification = widget_text(again, "#verification")
        assert "ffsec_face_events" in verification and "✗" not in verification
        assert runs[0].name in " ".join(str(w.render()) for w in again.screen.query("#where Static"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(again) == "WelcomeScreen")
