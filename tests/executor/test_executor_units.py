"""Unit tests of the executor's building blocks: atomic writes, backups, lock, journal,
progress, the detached launcher."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ffwizard.core import detached
from ffwizard.core.atomic import atomic_write_text
from ffwizard.core.backup import Backups, move_aside
from ffwizard.core.errors import LockHeld, UserError
from ffwizard.core.journal import Journal, RunDir, RunState, find_run
from ffwizard.core.lock import InstallLock, is_locked, read_holder
from ffwizard.core.progress import ProgressMeter, format_duration, parse_gallery_counts
from ffwizard.core.verify import compare_counts

# --- atomic writes ------------------------------------------------------------------------------

def test_atomic_write_keeps_mode_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "conf.yaml"
    path.write_text("old\n")
    os.chmod(path, 0o640)
    atomic_write_text(path, "new\n")
    assert path.read_text() == "new\n"
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["conf.yaml"]


def test_atomic_write_keeps_owner(tmp_path):
    path = tmp_path / "conf.yaml"
    path.write_text("old\n")
    os.chown(path, 1234, 2345)
    atomic_write_text(path, "new\n")
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (1234, 2345)


def test_new_file_gets_requested_mode(tmp_path):
    atomic_write_text(tmp_path / "migration.yaml", "secret: x\n", mode=0o600)
    assert os.stat(tmp_path / "migration.yaml").st_mode & 0o777 == 0o600


def test_read_only_file_is_refused_and_unchanged(tmp_path):
    path = tmp_path / "conf.yaml"
    path.write_text("old\n")
    os.chmod(path, 0o444)
    with pytest.raises(UserError, match="read-only"):
        atomic_write_text(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["conf.yaml"]


# --- backups ------------------------------------------------------------------------------------

def test_first_backup_is_kept_and_restored_byte_for_byte(tmp_path):
    root, run = tmp_path / "root", tmp_path / "run"
    root.mkdir(); run.mkdir()
    path = root / "docker-compose.yaml"
    original = b"services:  # comment\n  a: {x: 1}\n"
    path.write_bytes(original)
    os.chmod(path, 0o604)
    backups = Backups(run, root)
    backups.ensure(path)
    atomic_write_text(path, "step 4\n")
    backups.ensure(path)  # second write of the same file: the first backup stays
    atomic_write_text(path, "step 8\n")
    assert backups.copy_path(path).read_bytes() == original
    backups.restore(path)
    assert path.read_bytes() == original
    assert os.stat(path).st_mode & 0o777 == 0o604
    assert os.stat(run / "backups").st_mode & 0o777 == 0o700


def test_backup_copies_are_readable_by_root_only(tmp_path):
    # A config may hold storage secrets: its copy is 0600 in 0700 directories, whatever its
    # own mode; the restore gives the file back its own mode.
    root, run = tmp_path / "root", tmp_path / "run"
    (root / "configs" / "sf").mkdir(parents=True); run.mkdir()
    path = root / "configs" / "sf" / "sf-api.yaml"
    path.write_text("secret-access-key: k\n")
    os.chmod(path, 0o644)
    backups = Backups(run, root)
    backups.ensure(path)
    copy = backups.copy_path(path)
    assert os.stat(copy).st_mode & 0o777 == 0o600
    for directory in [copy.parent, *copy.parent.parents]:
        if directory == run:
            break
        assert os.stat(directory).st_mode & 0o777 == 0o700, directory
    assert os.stat(run / "backups" / "manifest.json").st_mode & 0o777 == 0o600
    atomic_write_text(path, "changed\n")
    backups.restore(path)
    assert path.read_text() == "secret-access-key: k\n"
    assert os.stat(path).st_mode & 0o777 == 0o644


def test_restore_of_a_created_file_removes_it(tmp_path):
    backups = Backups(tmp_path / "run", tmp_path)
    path = tmp_path / "new.yaml"
    backups.ensure(path)
    path.write_text("x")
    backups.restore(path)
    assert not path.exists()


def test_move_aside_never_overwrites(tmp_path):
    aside = tmp_path / "aside"
    for n in range(2):
        d = tmp_path / "shard-011"
        d.mkdir()
        (d / "f").write_text(str(n))
        move_aside(d, aside)
    assert sorted(p.name for p in aside.iterdir()) == ["shard-011", "shard-011.2"]
    assert (aside / "shard-011" / "f").read_text() == "0"


# --- lock ---------------------------------------------------------------------------------------

def test_second_lock_is_refused_naming_the_holder(tmp_path):
    with InstallLock(tmp_path, "apply"):
        assert is_locked(tmp_path)
        with pytest.raises(LockHeld) as err:
            InstallLock(tmp_path, "resume").acquire()
        assert f"pid {os.getpid()}" in str(err.value) and "apply" in str(err.value)
    assert not is_locked(tmp_path)


def test_lock_of_a_killed_holder_is_taken_over(tmp_path):
    code = ("import sys, time; from ffwizard.core.lock import InstallLock; "
            "InstallLock(sys.argv[1], 'apply').acquire(); print('locked', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(LockHeld, match=f"pid {holder.pid}"):
        InstallLock(tmp_path, "apply").acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert read_holder(tmp_path).pid == holder.pid  # the dead holder's description is left
    assert read_holder(tmp_path).alive_here() is False
    lock = InstallLock(tmp_path, "resume")
    lock.acquire()
    assert lock.took_over.pid == holder.pid
    lock.release()


# --- journal ------------------------------------------------------------------------------------

def test_journal_replays_step_states_and_ignores_a_cut_line(tmp_path):
    journal = Journal(tmp_path)
    journal.append("run_started")
    journal.append("step_started", step="backup")
    journal.append("step_data", step="backup", data={"target": "/x"})
    journal.append("step_done", step="backup")
    journal.append("step_started", step="create_shard_dirs")
    with open(journal.path, "ab") as handle:
        handle.write(b'{"event": "step_do')  # a crash mid-line
    state = RunState(journal.events())
    assert state.step_status("backup") == "done"
    assert state.step_status("create_shard_dirs") == "started"
    assert state.data["backup"] == {"target": "/x"}
    assert state.status == "running"


def test_run_dir_is_archived_and_found_again(tmp_path):
    run = RunDir.create(tmp_path, "sim")
    run.journal.append("run_done")
    run_id = run.info()["run_id"]
    moved = run.archive()
    assert moved.path == tmp_path / ".ffwizard" / "runs" / run_id
    assert find_run(tmp_path).path == moved.path


# --- progress and verification -------------------------------------------------------------------

def test_gallery_counts_shapes():
    assert parse_gallery_counts(b'[{"name": "a", "count": 2}, {"name": "b", "count": 0}]') == {"a": 2, "b": 0}
    assert parse_gallery_counts(b'{"galleries": {"a": 3}}') == {"a": 3}
    with pytest.raises(ValueError):
        parse_gallery_counts(b'"nonsense"')


def test_progress_rate_and_eta_follow_samples():
    now = [0.0]
    meter = ProgressMeter(1000, clock=lambda: now[0])
    meter.update(0)
    now[0] = 10.0
    sample = meter.update(100)
    assert sample.rate == pytest.approx(10.0)
    assert sample.eta_seconds == pytest.approx(90.0)
    assert "100/1,000 objects (10%)" in sample.describe()
    assert format_duration(3725) == "1h02m"


def test_compare_counts_names_each_mismatch():
    result = compare_counts({"a": 5, "b": 3}, {"a": 5, "b": 2, "c": 1})
    assert result.mismatches == ["b: 3 in the old shards, 2 in the new ones",
                                 "c: 0 in the old shards, 1 in the new ones"]
    assert compare_counts({"a": 5}, {"a": 7}, at_least=True).ok


# --- detached launcher --------------------------------------------------------------------------

def test_detached_process_survives_and_records_exit(tmp_path):
    exit_file, log, go = tmp_path / "m.exit", tmp_path / "m.log", tmp_path / "go"
    # The tool runs until the test lets it finish (creates `go`), then exits 7.
    state = detached.launch([sys.executable, "-c", "import os, sys, time; print('hello', flush=True)\n"
                             "while not os.path.exists(sys.argv[1]): time.sleep(0.02)\n"
                             "raise SystemExit(7)", str(go)], log_file=log, exit_file=exit_file)
    assert detached.is_running(state)
    assert os.getsid(state.pid) == state.pid  # its own session: no SIGHUP from our terminal
    assert detached.find_wrapper(exit_file) == state.pid
    go.touch()
    deadline = time.time() + 60
    while detached.read_exit(exit_file) is None and time.time() < deadline:
        time.sleep(0.05)
    assert detached.read_exit(exit_file) == 7
    assert "hello" in log.read_text()


def test_detached_stop_kills_the_group(tmp_path):
    exit_file = tmp_path / "m.exit"
    state = detached.launch([sys.executable, "-c", "import time; time.sleep(60)"],
                            log_file=tmp_path / "m.log", exit_file=exit_file)
    detached.stop(state, grace=5)
    assert not detached.is_running(state)


def test_the_tool_outliving_a_killed_wrapper_still_counts_as_running(tmp_path):
    exit_file = tmp_path / "m.exit"
    log = tmp_path / "m.log"
    state = detached.launch([sys.executable, "-c", "import time; print('ready', flush=True); "
                             "time.sleep(60)"], log_file=log, exit_file=exit_file)
    deadline = time.time() + 60
    while "ready" not in log.read_text() and time.time() < deadline:
        time.sleep(0.02)  # the tool runs (the wrapper records its pid before starting it)
    os.kill(state.pid, signal.SIGKILL)  # only the wrapper
    deadline = time.time() + 30
    while detached.is_running(state) and time.time() < deadline:
        time.sleep(0.02)
    assert not detached.is_running(state)
    assert detached.group_alive(state)  # the tool itself still runs: no second migration
    detached.stop(state, grace=5)
    assert not detached.group_alive(state)
    assert detached.read_exit(exit_file) is None  # nobody recorded an exit status


def test_compare_counts_speaks_of_what_it_compares():
    result = compare_counts({"a": 2}, {"a": 1}, compared="sf-api")
    assert result.mismatches == ["a: 2 in the new shards, 1 in sf-api"]


def test_exit_status_in_plain_words():
    from ffwizard.core.steps.run_migration import migration_exit_words

    assert migration_exit_words(1) == "the migration tool failed (exit status 1)"
    assert migration_exit_words(137).startswith(
        "the migration tool was killed (exit status 137: SIGKILL")
    assert migration_exit_words(143).startswith(
        "the migration tool was terminated (exit status 143: SIGTERM")
    assert migration_exit_words(134) == "the migration tool was killed by signal 6 (exit status 134)"
