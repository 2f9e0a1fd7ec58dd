"""Faults the run heals from by itself, or judges by what it can check: the migration's wrapper
dying after the copy, a failure at or after the point of no return, a rollback after the model
cache was built."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from executor_helpers import ffwizard, journal_events, wait_for, write_answers

from ffwizard.core import detached
from ffwizard.core.journal import current_run_dir


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


def _bind_mount_onto_itself(path: Path):
    import subprocess

    import pytest

    done = subprocess.run(["mount", "--bind", str(path), str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"the kernel refuses a bind mount here: {done.stderr.strip()}")


def _umount(path: Path) -> None:
    import subprocess

    subprocess.run(["umount", str(path)], capture_output=True)


def sf_api_galleries(root: Path) -> dict:
    """What sf-api serves now: gallery -> objects (raises if it does not answer 200)."""
    from ffwizard.core.detect import detect
    from ffwizard.core.progress import parse_gallery_counts
    from ffwizard.runtime.sim import SimRuntime

    answer = SimRuntime(root).http_get(detect(root).sf_api_url.rstrip("/") + "/v2/galleries",
                                       timeout=10)
    assert answer.status == 200, answer
    return parse_gallery_counts(answer.body)


def test_a_bind_mounted_sf_api_config_is_refused_before_anything_runs(make_sandbox, tmp_path):
    from executor_helpers import install_files

    root = make_sandbox()
    sf_api = root / "configs/findface-sf-api/findface-sf-api.yaml"
    files_before = install_files(root)
    _bind_mount_onto_itself(sf_api)
    try:
        refused = ffwizard("apply", "--root", str(root), "--answers",
                           str(write_answers(tmp_path)), "--runtime", "sim", "--yes")
    finally:
        _umount(sf_api)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"{sf_api} is a mount point of its own" in refused.stderr
    assert install_files(root) == files_before
    assert not current_run_dir(root).exists()


def test_a_failure_after_the_old_shards_stop_brings_them_back(make_sandbox, tmp_path):
    root = make_sandbox()
    served_before = sf_api_galleries(root)
    stopped = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                       "--runtime", "sim")
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    compose = root / "docker-compose.yaml"
    compose_between = compose.read_bytes()  # old and new shards side by side
    sf_api = root / "configs/findface-sf-api/findface-sf-api.yaml"
    sf_before = sf_api.read_bytes()
    # Mounted after preflight: the replacement of sf-api's config fails at step 9, right after
    # step 8 stopped the old shards.
    _bind_mount_onto_itself(sf_api)
    try:
        failed = ffwizard("resume", "--root", str(root), "--yes")
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert f"{sf_api} is a mount point of its own" in failed.stderr
        assert ("The old shards were brought back and sf-api serves them again; nothing is "
                "lost. Fix the cause above, then 'ffwizard resume'.") in failed.stderr
        assert sf_api_galleries(root) == served_before
        assert sf_api.read_bytes() == sf_before
        assert compose.read_bytes() == compose_between
        events = journal_events(root)
        resets = [e["step"] for e in events if e["event"] == "step_reset"]
        assert resets[-2:] == ["remove_old_shards", "switch_sf_api"]
    finally:
        _umount(sf_api)
    resumed = ffwizard("resume", "--root", str(root), "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert sum(sf_api_galleries(root).values()) == sum(served_before.values())
