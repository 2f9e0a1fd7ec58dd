"""Faults the run heals from by itself, or judges by what it can check: the migration's wrapper
dying after the copy, a failure at or after the point of no return, a rollback after the model
cache was built."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from executor_helpers import ffwizard, journal_events, write_answers

from ffwizard.core import detached
from ffwizard.core.journal import archive_dir, current_run_dir


def wait_for(condition, what: str, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_copy_finished_after_its_wrapper_died_is_judged_by_its_counts(make_sandbox, tmp_path):
    root = make_sandbox(objects=200)
    exit_file = current_run_dir(root) / "migration.exit"
    # ffwizard dies right after launching the tool: the tool runs on, detached.
    killed = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "sim", "--yes",
                      env={"FFWIZARD_TEST_KILL_AT": "run_migration:launched",
                           "FFSIM_PACE": "200"})
    assert killed.returncode == -9, killed.stdout + killed.stderr
    wrapper = detached.read_state(exit_file)
    assert wrapper is not None and detached.is_running(wrapper)
    os.kill(wrapper.pid, signal.SIGKILL)  # only the wrapper: the tool copies on, unrecorded
    wait_for(lambda: not detached.group_alive(wrapper), "the tool to finish its copy")
    assert detached.read_exit(exit_file) is None

    resumed = ffwizard("resume", "--root", str(root), "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert ("the migration tool ended without recording its exit status, but it no longer "
            "runs and the new shards hold as many objects as the old ones") in resumed.stdout
    assert not current_run_dir(root).exists()
    events = [e for e in journal_events(root) if e.get("step") == "verify_copy"]
    assert any(e["event"] == "step_done" for e in events)  # the copy check had the last word


def test_a_failure_only_a_rerun_gets_past_says_so_to_the_end(make_sandbox, tmp_path):
    root = make_sandbox()
    failed = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "sim", "--yes", env={"FFSIM_MIGRATE_DIE_AFTER": "120"})
    assert failed.returncode == 1, failed.stdout + failed.stderr
    closing = failed.stderr.strip().splitlines()[-1]
    assert closing.startswith(f"Continue with 'ffwizard resume --root {root} --rerun-migration'")
    status = ffwizard("status", "--root", str(root))
    assert f"ffwizard resume --root {root} --rerun-migration" in status.stdout
