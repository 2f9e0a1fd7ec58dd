"""Files that cannot be replaced by a rename, on real mounts: a single file bind-mounted, an
immutable and an append-only file (on an ext4 image, where chattr works)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ffwizard.core.atomic import atomic_write_text
from ffwizard.core.errors import UserError
from ffwizard.core.replaceable import why_not_replaceable


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True)


@pytest.fixture
def bind_mounted(tmp_path):
    """A config file that is a single-file bind mount of another file."""
    source, target = tmp_path / "source.yaml", tmp_path / "conf" / "sf-api.yaml"
    target.parent.mkdir()
    source.write_text("listen: a\n")
    target.write_text("listen: a\n")
    mounted = run("mount", "--bind", str(source), str(target))
    if mounted.returncode != 0:
        pytest.skip(f"the kernel refuses a bind mount here: {mounted.stderr.strip()}")
    yield target
    run("umount", str(target))


@pytest.fixture
def ext4(tmp_path):
    """A directory on an ext4 loop image (chattr needs a file system that keeps the flags)."""
    if not shutil.which("mkfs.ext4") or not shutil.which("chattr"):
        pytest.skip("mkfs.ext4 and chattr are needed")
    image, directory = tmp_path / "fs.img", tmp_path / "ext4"
    directory.mkdir()
    with open(image, "wb") as handle:
        handle.truncate(8 * 1024 * 1024)
    assert run("mkfs.ext4", "-q", str(image)).returncode == 0
    mounted = run("mount", "-o", "loop", str(image), str(directory))
    if mounted.returncode != 0:
        pytest.skip(f"the kernel refuses a loop mount here: {mounted.stderr.strip()}")
    yield directory
    for path in directory.rglob("*"):
        run("chattr", "-i", "-a", str(path))
    run("umount", str(directory))


def test_a_plain_file_can_be_replaced_and_the_probe_leaves_nothing(tmp_path):
    path = tmp_path / "conf.yaml"
    path.write_text("a\n")
    assert why_not_replaceable(path) is None
    assert why_not_replaceable(tmp_path / "new" / "migration.yaml") is None
    assert [p.name for p in tmp_path.iterdir()] == ["conf.yaml"]


def test_a_bind_mounted_file_is_refused_naming_it_and_never_written(bind_mounted):
    refusal = why_not_replaceable(bind_mounted)
    assert refusal == (f"{bind_mounted} is a mount point of its own (a single file bind-mounted "
                       "there), and a file cannot be renamed over a mount point: mount the "
                       "directory that holds it instead, or edit it where it is mounted from, "
                       "then try again.")
    with pytest.raises(UserError, match="mount point of its own"):
        atomic_write_text(bind_mounted, "listen: b\n")
    assert bind_mounted.read_text() == "listen: a\n"
    assert [p.name for p in bind_mounted.parent.iterdir()] == ["sf-api.yaml"]


@pytest.mark.parametrize("flag,word", [("+i", "immutable (chattr +i)"),
                                       ("+a", "append-only (chattr +a)")])
def test_an_immutable_or_append_only_file_is_refused(ext4, flag, word):
    path = ext4 / "sf-api.yaml"
    path.write_text("listen: a\n")
    changed = run("chattr", flag, str(path))
    if changed.returncode != 0:
        pytest.skip(f"chattr {flag} is refused here: {changed.stderr.strip()}")
    refusal = why_not_replaceable(path)
    assert refusal is not None and refusal.startswith(f"{path} is {word}, so it cannot be replaced")
    with pytest.raises(UserError, match=word.split()[0]):
        atomic_write_text(path, "listen: b\n")
    assert path.read_text() == "listen: a\n"


def test_a_read_only_directory_is_refused(ext4):
    path = ext4 / "sf-api.yaml"
    path.write_text("listen: a\n")
    assert run("mount", "-o", "remount,ro", str(ext4)).returncode == 0
    try:
        refusal = why_not_replaceable(path)
    finally:
        run("mount", "-o", "remount,rw", str(ext4))
    assert refusal is not None and refusal.startswith(f"ffwizard cannot replace files in {ext4} (")
    assert "Read-only file system" in refusal
