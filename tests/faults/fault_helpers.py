"""Helpers of the bad-input suite: a copy of a fixture install, the tree's fingerprint, a
stand-in runtime that only lists models, and small filesystems (read-only, full)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from install_fixtures import copy_install  # noqa: E402,F401

from fault_cases import OFFERED_MODELS  # noqa: E402


def tree_fingerprint(root: Path) -> dict[str, str]:
    """Every entry under `root`: directories, links and files with their content's hash and
    mode. Two equal fingerprints: nothing was created, removed or changed."""
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        for name in dirnames + filenames:
            path = base / name
            key = str(path.relative_to(root))
            st = path.lstat()
            if path.is_symlink():
                found[key] = "link " + os.readlink(path)
            elif path.is_dir():
                found[key] = f"dir {st.st_mode:o}"
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[key] = f"file {st.st_mode:o} {digest}"
    return found


class ModelsOnlyRuntime:
    """A runtime that answers which models the extraction service offers, and refuses anything
    else (so a case that got past the refusals fails loudly instead of touching anything)."""

    def __init__(self, root: Path):
        self.root = root

    def compose_command_in_use(self):
        return None

    def list_files(self, service, directory, suffix):
        return list(OFFERED_MODELS)

    def __getattr__(self, name):
        from ffwizard.core.errors import RuntimeUnavailable

        def refuse(*args, **kwargs):
            raise RuntimeUnavailable(f"the stand-in runtime does not {name}")
        return refuse


@pytest.fixture
def models_only_runtime(monkeypatch):
    import ffwizard.runtime

    real = ffwizard.runtime.open_runtime_for

    def open_for(installation, kind, runtime=None):
        return real(installation, kind, runtime or ModelsOnlyRuntime(installation.root))

    monkeypatch.setattr(ffwizard.runtime, "open_runtime_for", open_for)


@pytest.fixture
def small_fs(tmp_path):
    """mount(size="64k") -> a fresh tmpfs directory; `readonly(dir)` remounts it read-only.
    Unmounted at teardown. Skips where mounting is not allowed (not root, no CAP_SYS_ADMIN)."""
    mounted: list[Path] = []

    class Fs:
        @staticmethod
        def mount(size: str = "256k") -> Path:
            target = tmp_path / f"fs{len(mounted)}"
            target.mkdir()
            result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                     str(target)], capture_output=True, text=True)
            if result.returncode != 0:
                pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
            mounted.append(target)
            return target

        @staticmethod
        def readonly(target: Path) -> None:
            subprocess.run(["mount", "-o", "remount,ro", str(target)], check=True)

        @staticmethod
        def fill(target: Path) -> None:
            """Fill the filesystem to the last byte."""
            with open(target / "filler", "wb", buffering=0) as handle:
                try:
                    while True:
                        handle.write(b"\0" * 4096)
                except OSError:
                    pass
            try:
                while True:
                    (target / f"f{os.urandom(4).hex()}").write_bytes(b"x")
            except OSError:
                pass

    yield Fs
    for target in reversed(mounted):
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def copy_into(fixture: str, target: Path) -> Path:
    from install_fixtures import INSTALLS

    root = target / fixture
    shutil.copytree(INSTALLS / fixture, root)
    return root
