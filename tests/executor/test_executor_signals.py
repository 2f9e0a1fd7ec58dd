"""Ctrl+C during apply (to the whole terminal process group, as a terminal sends it): a clean
stop, the detached migration keeps running, `attach` follows it, `resume` finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from executor_helpers import FAST_ENV, ffwizard, inherited_env, journal_events, write_answers

from ffwizard.core import detached
from ffwizard.core.journal import current_run_dir


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def migration_log(root) -> str:
    try:
        return (current_run_dir(root) / "migration.log").read_text(errors="replace")
    except OSError:
        return ""


def test_ctrl_c_stops_cleanly_and_the_migration_keeps_running(make_sandbox, tmp_path):
    root = make_sandbox(objects=300)
    # Paced: 300 objects at 20/s, so the tool is still copying when ffwizard has stopped.
    env = {**inherited_env(), **FAST_ENV,
           "FFSIM_PACE": "20"}
    apply = subprocess.Popen(
        [sys.executable, "-m", "ffwizard", "apply", "--root", str(root), "--answers",
         str(write_answers(tmp_path)), "--runtime", "sim", "--yes"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True)
    try:
        assert wait_for(lambda: any(e.get("point") == "launched" for e in journal_events(root)))
        assert wait_for(lambda: "progress:" in migration_log(root))  # the tool is copying
        os.killpg(apply.pid, signal.SIGINT)  # the terminal's Ctrl+C: the whole foreground group
        out, err = apply.communicate(timeout=30)
    finally:
        if apply.poll() is None:
            apply.kill()
    assert apply.returncode == 3, out + err
    assert "Stopping at the next safe point" in err
    assert "Traceback" not in err
    events = journal_events(root)
    assert events[-1]["event"] == "run_stopped" and events[-1]["step"] == "run_migration"
    state = detached.read_state(current_run_dir(root) / "migration.exit")
    assert detached.is_running(state), "the migration must survive ffwizard's Ctrl+C"

    attached = ffwizard("attach", "--root", str(root), "--interval", "0.3", timeout=120)
    assert attached.returncode == 0, attached.stdout + attached.stderr
    assert "progress:" in attached.stdout and "objects" in attached.stdout
    assert "  | " in attached.stdout  # the tool's own output lines
    assert "ffwizard resume" in attached.stdout
    assert detached.read_exit(current_run_dir(root) / "migration.exit") == 0

    status = ffwizard("status", "--root", str(root))
    assert "Migration tool: finished" in status.stdout

    resumed = ffwizard("resume", "--root", str(root), "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Migration finished" in resumed.stdout


def test_attach_without_a_run_says_so(make_sandbox):
    root = make_sandbox()
    result = ffwizard("attach", "--root", str(root))
    assert result.returncode == 2 and "no migration run is under way" in result.stderr
    status = ffwizard("status", "--root", str(root))
    assert status.returncode == 0 and "No migration run" in status.stdout


def test_the_user_can_stop_the_migration_and_rerun_it(make_sandbox, tmp_path):
    root = make_sandbox(objects=300)
    # Paced: 300 objects at 20/s, so the stop comes while the tool copies.
    env = {**inherited_env(), **FAST_ENV,
           "FFSIM_PACE": "20"}
    apply = subprocess.Popen(
        [sys.executable, "-m", "ffwizard", "apply", "--root", str(root), "--answers",
         str(write_answers(tmp_path)), "--runtime", "sim", "--yes"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert wait_for(lambda: any(e.get("point") == "launched" for e in journal_events(root)))
        stopped = ffwizard("attach", "--root", str(root), "--stop-migration")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert "--rerun-migration" in stopped.stdout
        out, err = apply.communicate(timeout=60)
    finally:
        if apply.poll() is None:
            apply.kill()
    assert apply.returncode == 1 and "the migration tool was terminated (exit status 143: SIGTERM" in err
    rerun = ffwizard("resume", "--root", str(root), "--yes", "--rerun-migration")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
