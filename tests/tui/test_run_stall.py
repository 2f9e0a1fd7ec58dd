"""The Run screen tells a stalled copy apart from a slow one (#14, point 4): the real simulated
migration tool is frozen (SIGSTOP to its process group) with a short stall setting; the
progress line says "stalled" and what to check; thawed (SIGCONT), it shows progress again and
the run finishes."""

from __future__ import annotations

import os
import signal
import time

import pytest
from tui_helpers import screen_name, screen_text, start_run, wait_for, widget_text

from ffwizard.core import detached
from ffwizard.core.journal import current_run_dir
from ffwizard.ui.app import create_app

pytestmark = pytest.mark.asyncio


def words(text: str) -> str:
    return " ".join(text.split())


async def test_a_frozen_tool_reads_stalled_with_what_to_check_then_goes_on(
        sim_sandbox_factory, fast_executor, monkeypatch):
    from ffwizard.demo.faults import set_faults

    monkeypatch.setenv("FFWIZARD_STALL_SECONDS", "1")
    demo = sim_sandbox_factory(shards=2)
    set_faults(demo.root, FFSIM_PACE=100)  # 600 objects: about 6 s of copying
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    group = None
    async with app.run_test(size=(80, 24)) as pilot:
        run_screen = await start_run(pilot, app)
        await wait_for(pilot, lambda: run_screen.current_step == "run_migration"
                       and run_screen.last_sample is not None
                       and run_screen.last_sample.done > 0, timeout=120)
        state = detached.read_state(current_run_dir(demo.root) / "migration.exit")
        assert state is not None and detached.group_alive(state)
        group = state.pid  # the wrapper leads the group the tool runs in
        try:
            os.killpg(group, signal.SIGSTOP)
            await wait_for(pilot, lambda: "stalled" in widget_text(app, "#progress-text"),
                           timeout=60)
            assert "stalled for" in widget_text(app, "#progress-text")
            # What it means and what to check, whole, in the lines above the progress row
            # (the one-line row cut it after "Check the migration tool" at 80 columns).
            status = run_screen.query_one("#run-status")
            shown = words(" ".join(
                row[status.region.x:status.region.right]
                for row in screen_text(app).splitlines()[status.region.y:status.region.bottom]))
            assert "Stalled: no object copied for" in shown, shown
            assert ("Check the migration tool's output, the extraction service and the new "
                    "shards; stop it with 'ffwizard attach --stop-migration', then 'ffwizard "
                    "resume --rerun-migration'.") in shown, shown
            assert run_screen.last_sample.stalled_for is not None
            # No rate or time left for a copy that is not moving.
            assert "ETA" not in widget_text(app, "#progress-text")
            frozen_at = run_screen.last_sample.done
        finally:
            os.killpg(group, signal.SIGCONT)
        # Thawed: progress again, and no more "stalled".
        await wait_for(pilot, lambda: run_screen.last_sample.done > frozen_at
                       and "stalled" not in widget_text(app, "#progress-text"), timeout=60)
        assert run_screen.last_sample.stalled_for is None
        assert "talled" not in widget_text(app, "#run-status")
        # The point of no return, then the end of the run.
        await wait_for(pilot, lambda: screen_name(app) == "Choice", timeout=180)
        await pilot.press("right", "enter")
        await wait_for(pilot, lambda: run_screen.outcome is not None, timeout=180)
        assert run_screen.outcome.status == "done", run_screen.outcome.error
        assert "stalled" not in widget_text(app, "#progress-text")


async def test_following_another_process_s_run_shows_the_stall_too(sim_sandbox_factory,
                                                                  fast_executor, monkeypatch,
                                                                  tmp_path):
    """The wizard opened on a run `apply` drives in a terminal follows it: a frozen tool reads
    stalled there as well (the follower once showed a frozen copy's stale rate as progress)."""
    import json
    import subprocess
    import sys

    from ffwizard.core.journal import find_run

    monkeypatch.setenv("FFWIZARD_STALL_SECONDS", "1")
    demo = sim_sandbox_factory(shards=2)
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"models": {
        "face": "face/nectarine_m_160.gpu.fnk", "body": "pedrec/wheat_m_256.gpu.fnk",
        "car": "carrec/cedar_m_224.gpu.fnk"}}))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FFWIZARD_TEST_", "FFSIM_"))
           or k in ("FFSIM_PORT_REGISTRY", "FFSIM_OWNER")}
    env.update(FFSIM_PACE="50")  # 600 objects: about 12 s of copying
    apply = subprocess.Popen(
        [sys.executable, "-m", "ffwizard", "apply", "--root", str(demo.root), "--answers",
         str(answers), "--runtime", "sim", "--yes"], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    group = None
    try:
        def tool_copying() -> bool:
            run = find_run(demo.root)
            if run is None or not any(e.get("point") == "launched"
                                      for e in run.journal.events()):
                return False
            try:
                return json.loads((run.path / "progress.json").read_text())["done"] > 0
            except (OSError, ValueError, KeyError):
                return False

        deadline = time.monotonic() + 120
        while not tool_copying():  # a state, polled; the deadline only stops a broken run
            assert apply.poll() is None and time.monotonic() < deadline, "apply did not copy"
            time.sleep(0.1)
        app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: screen_name(app) == "RunScreen")
            run_screen = app.screen
            await wait_for(pilot, lambda: "following" in widget_text(app, "#message"))
            state = detached.read_state(current_run_dir(demo.root) / "migration.exit")
            assert state is not None and detached.group_alive(state)
            group = state.pid
            os.killpg(group, signal.SIGSTOP)
            await wait_for(pilot, lambda: "stalled for" in widget_text(app, "#progress-text"),
                           timeout=60)
            assert "Stalled: no object copied for" in words(widget_text(app, "#run-status"))
            os.killpg(group, signal.SIGCONT)
            group = None
            await wait_for(pilot, lambda: "stalled" not in widget_text(app, "#progress-text")
                           and "talled" not in widget_text(app, "#run-status"), timeout=60)
            await wait_for(pilot, lambda: run_screen.outcome is not None, timeout=180)
            assert run_screen.outcome.status == "done"
        out, err = apply.communicate(timeout=60)
        assert apply.returncode == 0, out + err
    finally:
        if group is not None:
            os.killpg(group, signal.SIGCONT)
        if apply.poll() is None:
            apply.kill()
