"""Going back, bad values with their messages, stopping a run, re-attaching, calm errors."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select
from tui_helpers import press_next, screen_name, screen_text, start_run, wait_for, widget_text

from ffwizard.ui.app import create_app
from ffwizard.ui.screens.models import OTHER

pytestmark = pytest.mark.asyncio


async def reach(pilot, app, name: str, presses: int) -> None:
    await press_next(pilot, app, presses)
    await wait_for(pilot, lambda: screen_name(app) == name)


async def test_bad_values_are_explained_and_back_keeps_answers(sim_sandbox):
    demo = sim_sandbox
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach(pilot, app, "ModelsScreen", 2)

        # A model typed by hand that the extraction service does not have.
        app.screen.query_one("#model-face", Select).value = OTHER
        await wait_for(pilot, lambda: app.focused.id == "other-face")
        await pilot.press(*"face/pear_9.gpu.fnk")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: "Fix the model choice" in widget_text(app, "#message"))
        assert screen_name(app) == "ModelsScreen"
        assert "not among the models" in widget_text(app, "#problem-face")
        # Fixed: a real GPU model typed by hand is accepted.
        typed = app.screen.query_one("#other-face", Input)
        typed.value = "face/nectarine_l_320.gpu.fnk"
        await wait_for(pilot, lambda: widget_text(app, "#problem-face") == "")
        # No object type at all is refused.
        for kind in ("face", "body", "car"):
            app.screen.query_one(f"#use-{kind}").value = False
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: "at least one object type" in widget_text(app, "#message"))
        app.screen.query_one("#use-face").value = True
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(app) == "ShardsScreen")
        assert app.state.answers["object_types"] == ["face"]
        assert app.state.answers["models"] == {"face": "face/nectarine_l_320.gpu.fnk"}

        # Shards: a port already in use and a duplicated name, flagged as typed.
        old_port = str(app.state.installation.shards[0].http_port)
        port = app.screen.query_one("#http-1", Input)
        port.value = old_port
        await wait_for(pilot, lambda: f"HTTP port {old_port} is already"
                       in widget_text(app, "#shard-problems"))
        assert port.has_class("-invalid-value")
        app.screen.query_one("#name-2", Input).value = "shard-011"
        await wait_for(pilot, lambda: "given twice" in widget_text(app, "#shard-problems"))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: widget_text(app, "#message") != "")
        assert screen_name(app) == "ShardsScreen"  # refused
        # Back to the models and forward again: the typed model is still chosen.
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "ModelsScreen")
        assert app.screen.query_one("#other-face", Input).value == "face/nectarine_l_320.gpu.fnk"
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(app) == "ShardsScreen")
        assert not app.screen.query_one("#http-1", Input).has_class("-invalid-value")

        # Settings: a number that is not one.
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(app) == "SettingsScreen")
        app.screen.query_one("#workers_num", Input).value = "0"
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: "workers must be a whole number"
                       in widget_text(app, "#settings-problems"))
        assert screen_name(app) == "SettingsScreen"
        app.screen.query_one("#workers_num", Input).value = "2"
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")
        await wait_for(pilot, lambda: app.state.plan is not None)
        assert app.state.plan.answers.workers_num == 2
        assert app.state.plan.answers.object_types == ["face"]
        # Cancel at the confirmation: nothing starts.
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        await pilot.press("enter")  # the focused answer is Cancel
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")
    assert not (demo.root / ".ffwizard" / "run").exists()


async def test_letters_typed_into_an_input_do_not_trigger_keys(sim_sandbox):
    demo = sim_sandbox
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach(pilot, app, "SettingsScreen", 4)
        field = app.screen.query_one("#backup_dir", Input)
        field.focus()
        field.value = ""
        await pilot.press(*"/tmp/qnb")
        assert field.value == "/tmp/qnb"
        assert screen_name(app) == "SettingsScreen"
        await pilot.press("f1")
        await wait_for(pilot, lambda: screen_name(app) == "HelpScreen")
        assert "backup directory" in widget_text(app, "#help-text")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "SettingsScreen")


async def test_missing_install_root_is_a_calm_message(tmp_path):
    app = create_app(tmp_path / "nowhere", "sim")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: "there is no directory" in widget_text(app, "#problem"))
        assert screen_name(app) == "WelcomeScreen"
        assert "see above" in widget_text(app, "#message")
        assert "Traceback" not in screen_text(app)


async def test_an_engine_that_does_not_answer_is_said_in_full(tmp_path, monkeypatch):
    """The whole sentence, with what to do, not the few words the line beside Next can hold."""
    import shutil
    from pathlib import Path

    root = tmp_path / "findface-multi"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "installs" / "gpu8", root)
    socket = tmp_path / "no-engine.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{socket}")
    app = create_app(root, "docker")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: "does not answer" in widget_text(app, "#problem"))
        assert screen_name(app) == "WelcomeScreen"
        problem = widget_text(app, "#problem")
        assert f"The Docker Engine does not answer at unix://{socket}" in problem
        assert "systemctl start docker" in problem
        assert app.screen.query_one("#problem").region.height >= 2  # shown, on screen




async def test_stop_during_the_migration_then_reattach_and_finish(sim_sandbox_factory, monkeypatch):
    from ffwizard.demo.faults import set_faults

    monkeypatch.setenv("FFWIZARD_POLL_INTERVAL", "0.2")
    demo = sim_sandbox_factory(shards=2, objects=3000)
    # Paced (3,000 objects at 100/s: half a minute), so that Ctrl+C lands mid-way however
    # slow the machine; the tool goes on detached and the second wizard follows it to the end.
    set_faults(demo.root, FFSIM_PACE=100)
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        run_screen = await start_run(pilot, app)
        await wait_for(pilot, lambda: run_screen.step_states.get("run_migration") == "started",
                       timeout=60)
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        await wait_for(pilot, lambda: "keeps running" in widget_text(app, "#dialog-text")
                       or "leaves it running" in widget_text(app, "#dialog-text"), timeout=10)
        await pilot.press("right", "enter")  # Keep running -> Stop
        await wait_for(pilot, lambda: run_screen.outcome is not None, timeout=60)
        assert run_screen.outcome.status == "stopped"
        assert run_screen.query_one("#continue").display
        assert run_screen.query_one("#rollback").display
    assert (demo.root / ".ffwizard" / "run" / "run.json").exists()

    # A new ffwizard on the same root lands on the run, shows the output so far, and finishes.
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "RunScreen")
        run_screen = app.screen
        await wait_for(pilot, lambda: any("migration" in line
                                          for line in run_screen.query_one("#log").lines))
        await wait_for(pilot, lambda: "stopped" in widget_text(app, "#run-status"))
        await pilot.press("enter")  # Continue has the focus
        await wait_for(pilot, lambda: screen_name(app) == "Choice", timeout=120)
        await pilot.press("right", "enter")
        await wait_for(pilot, lambda: run_screen.outcome is not None, timeout=120)
        assert run_screen.outcome.status == "done"
    assert not (demo.root / ".ffwizard" / "run").exists()


async def test_roll_back_before_the_point_of_no_return(sim_sandbox, fast_executor):
    demo = sim_sandbox
    extraction = demo.root / "configs/findface-extraction-api/findface-extraction-api.yaml"
    compose = demo.root / "docker-compose.yaml"
    before = extraction.read_bytes(), compose.read_bytes()
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        run_screen = await start_run(pilot, app)
        await wait_for(pilot, lambda: screen_name(app) == "Choice", timeout=120)  # no return
        await pilot.press("enter")  # Stop here (the focused, safe answer)
        await wait_for(pilot, lambda: run_screen.outcome is not None, timeout=60)
        assert run_screen.outcome.status == "stopped"
        await wait_for(pilot, lambda: run_screen.query_one("#rollback").display)
        run_screen.query_one("#rollback").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        await pilot.press("right", "enter")
        await wait_for(pilot, lambda: run_screen.outcome.status != "stopped", timeout=180)
        assert run_screen.outcome.status == "rolled-back", run_screen.outcome
        assert "Rolled back" in widget_text(app, "#run-status")
    assert (extraction.read_bytes(), compose.read_bytes()) == before


async def test_opening_during_a_run_driven_elsewhere_follows_it(sim_sandbox_factory, tmp_path):
    import os
    import subprocess
    import sys

    demo = sim_sandbox_factory(shards=2, objects=3000)
    answers = tmp_path / "answers.yaml"
    answers.write_text("migration: {workers_num: 1}\n")
    # Paced (3,000 objects at 150/s: twenty seconds), so the run is still under way when the
    # wizard opens, however slow the machine.
    env = dict(os.environ, FFWIZARD_POLL_INTERVAL="0.2", FFSIM_PACE="150")
    apply = subprocess.Popen(
        [sys.executable, "-m", "ffwizard", "apply", "--root", str(demo.root), "--runtime", "sim",
         "--answers", str(answers), "--yes"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        run_json = demo.root / ".ffwizard" / "run" / "run.json"
        for _ in range(1200):
            if run_json.exists() or apply.poll() is not None:
                break
            await __import__("asyncio").sleep(0.1)
        assert run_json.exists(), apply.communicate()[0]
        app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: screen_name(app) == "RunScreen")
            run_screen = app.screen
            await wait_for(pilot, lambda: "Another ffwizard runs it" in widget_text(app, "#message"))
            assert not run_screen.query_one("#continue").display  # nothing to press: following
            await wait_for(pilot, lambda: apply.poll() is not None, timeout=120)
            await wait_for(pilot, lambda: run_screen.step_states.get("verify_final") == "done",
                           timeout=30)
            assert set(run_screen.step_states.values()) == {"done"}
            assert any("migration" in line for line in run_screen.query_one("#log").lines)
            await wait_for(pilot, lambda: run_screen.query_one("#results").display)
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen_name(app) == "DoneScreen")
            assert "ffsec_face_events" in widget_text(app, "#verification")
        assert apply.returncode == 0
    finally:
        if apply.poll() is None:
            apply.kill()
        apply.communicate()


async def test_a_failed_migration_is_explained_and_can_be_retried(sim_sandbox, fast_executor):
    demo = sim_sandbox
    faults = demo.root / ".sim" / "faults.json"
    faults.write_text('{"FFSIM_MIGRATE_DIE_AFTER": 150}')
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        run_screen = await start_run(pilot, app)
        await wait_for(pilot, lambda: run_screen.outcome is not None, timeout=120)
        assert run_screen.outcome.status == "failed"
        assert run_screen.outcome.step == "run_migration"
        status = widget_text(app, "#run-status")
        assert "The run failed." in status and "migration tool" in status
        assert "Traceback" not in screen_text(app)
        assert str(run_screen.query_one("#continue").label) == "Retry"
        assert run_screen.query_one("#rollback").display
        assert run_screen.step_states["run_migration"] == "failed"
        # Fixed: Retry empties the new shards and copies again, to the end.
        faults.write_text("{}")
        await pilot.press("enter")  # Retry has the focus
        await wait_for(pilot, lambda: screen_name(app) == "Choice", timeout=120)
        await pilot.press("right", "enter")
        await wait_for(pilot, lambda: run_screen.outcome is not None
                       and run_screen.outcome.status == "done", timeout=120)
