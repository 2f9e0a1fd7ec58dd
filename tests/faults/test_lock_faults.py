"""The lock on hostile filesystems and beside another run: one sentence, nothing left behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fault_helpers import copy_into, tree_fingerprint
from fault_cases import GOOD_ANSWERS
from ffwizard.cli import main
from ffwizard.core.lock import InstallLock, lock_path

TRACEBACK_SIGNS = ("Traceback", 'File "')


def run(argv, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main([str(part) for part in argv])
    out, err = capsys.readouterr()
    for sign in TRACEBACK_SIGNS:
        assert sign not in out + err, out + err
    return code, out + err


def answers_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(GOOD_ANSWERS)
    return path


def test_apply_resume_rollback_on_a_read_only_root(small_fs, tmp_path, capsys,
                                                   models_only_runtime):
    mount = small_fs.mount("512k")
    root = copy_into("gpu8", mount)
    small_fs.readonly(mount)
    before = tree_fingerprint(root)
    answers = answers_file(tmp_path)
    for argv in (["apply", "--root", root, "--answers", answers, "--yes"],
                 ["resume", "--root", root], ["rollback", "--root", root]):
        code, output = run(argv, capsys)
        assert code == 2, output
        assert "the install root is on a read-only filesystem" in output, output
        assert "nothing was changed" in output
    assert tree_fingerprint(root) == before


def test_apply_on_a_full_disk(small_fs, tmp_path, capsys, models_only_runtime):
    mount = small_fs.mount("256k")
    root = copy_into("gpu8", mount)
    small_fs.fill(mount)
    before = tree_fingerprint(mount)
    code, output = run(["apply", "--root", root, "--answers", answers_file(tmp_path), "--yes"],
                       capsys)
    assert code == 2, output
    assert "no space is left on the device of the install root" in output, output
    assert tree_fingerprint(mount) == before  # no `.ffwizard/`, no empty lock file


def test_a_refusal_inside_the_lock_leaves_no_lock_file(tmp_path, capsys, models_only_runtime):
    root = copy_into("gpu8", tmp_path)
    before = tree_fingerprint(root)
    # the plan can run; preflight then finds the (stand-in) runtime unreachable
    code, output = run(["apply", "--root", root, "--answers", answers_file(tmp_path), "--yes"],
                       capsys)
    assert code == 2, output
    assert tree_fingerprint(root) == before
    assert not (root / ".ffwizard").exists()


def test_resume_and_rollback_without_a_run_leave_no_lock_file(tmp_path, capsys):
    root = copy_into("gpu8", tmp_path)
    for command in ("resume", "rollback"):
        code, output = run([command, "--root", root], capsys)
        assert code == 2 and "there is no migration run" in output
        assert not (root / ".ffwizard").exists()


def test_a_lock_file_from_before_stays(tmp_path):
    lock_path(tmp_path).parent.mkdir()
    lock_path(tmp_path).write_text("")
    with InstallLock(tmp_path, "apply"):
        pass
    assert lock_path(tmp_path).exists()


def test_a_second_apply_during_a_run_names_the_holder(tmp_path, capsys):
    root = copy_into("gpu8", tmp_path)
    (root / ".ffwizard" / "run").mkdir(parents=True)
    (root / ".ffwizard" / "run" / "run.json").write_text("{}")
    code = ("import sys, time; from ffwizard.core.lock import InstallLock; "
            "InstallLock(sys.argv[1], 'apply').acquire(); print('locked', flush=True); "
            "time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(root)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        status, output = run(["apply", "--root", root, "--answers", answers_file(tmp_path)],
                             capsys)
    finally:
        holder.kill()
        holder.wait()
    assert status == 2
    assert f"another ffwizard is working on this installation: pid {holder.pid}" in output
    assert "(apply)" in output


def test_a_lock_removed_by_a_refusal_is_never_held_twice(tmp_path):
    """A taker that opened the file a refusal then removed retries on the new file."""
    first = InstallLock(tmp_path, "apply")
    first.acquire()
    assert first._created_file
    first.release()  # nothing else in .ffwizard: file and directory go
    assert not (tmp_path / ".ffwizard").exists()
    second, third = InstallLock(tmp_path, "apply"), InstallLock(tmp_path, "resume")
    second.acquire()
    try:
        import pytest
        from ffwizard.core.lock import LockHeld

        with pytest.raises(LockHeld):
            third.acquire()
    finally:
        second.release()
