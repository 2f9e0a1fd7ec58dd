"""Backups of every file a run writes, taken before its first write.

Copies live in `<run dir>/backups/` (0700 directories, 0600 copies: a config may hold storage
secrets) under the file's path relative to the install root; `manifest.json` records whether the file existed and its
mode and owner. The first backup of a file is never replaced: a file written by two steps
(docker-compose.yaml) is restored to what it was before the run, not between the steps.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

from ffwizard.core.atomic import atomic_write_bytes, atomic_write_text, fsync_dir
from ffwizard.i18n import _

MANIFEST = "manifest.json"


def _sha256(data: bytes) -> str:
    import hashlib  # lazy: hashlib (OpenSSL's start, ~3 ms) only to back up, not for `plan`

    return hashlib.sha256(data).hexdigest()


class Backups:
    def __init__(self, run_dir: Path, root: Path):
        self.dir = Path(run_dir) / "backups"
        self.root = Path(root)

    # --- bookkeeping -------------------------------------------------------------------------
    def manifest(self) -> dict[str, dict[str, Any]]:
        try:
            manifest: dict[str, dict[str, Any]] = json.loads((self.dir / MANIFEST).read_text())
            return manifest
        except FileNotFoundError:
            return {}

    def copy_path(self, path: Path) -> Path:
        path = Path(path)
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            relative = Path("_outside_root") / str(path).lstrip("/")
        return self.dir / "files" / relative

    def has(self, path: Path) -> bool:
        return str(Path(path)) in self.manifest()

    # --- taking and restoring ----------------------------------------------------------------
    def ensure(self, path: Path) -> None:
        """Back `path` up unless it already is. Call before every write of `path`."""
        path = Path(path)
        manifest = self.manifest()
        if str(path) in manifest:
            return
        make_private_dirs(self.dir)
        os.chmod(self.dir, 0o700)
        entry: dict[str, Any] = {"existed": path.exists()}
        if entry["existed"]:
            st = os.stat(path)
            data = path.read_bytes()
            copy = self.copy_path(path)
            make_private_dirs(copy.parent)
            # Copied before the manifest names it: a copy without a manifest entry is simply
            # taken again (the original is not written before `ensure` returns). The file's
            # own mode is in the manifest; the copy is root's only.
            atomic_write_bytes(copy, data, mode=0o600)
            os.chmod(copy, 0o600)
            entry.update(mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
                         sha256=_sha256(data),
                         copy=str(copy.relative_to(self.dir)))
        manifest[str(path)] = entry
        atomic_write_text(self.dir / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True),
                          mode=0o600)

    def restore(self, path: Path) -> str:
        """Put `path` back as it was before the run. Returns what was done, in words."""
        path = Path(path)
        entry = self.manifest().get(str(path))
        if entry is None:
            return _("{path}: never written, nothing to restore").format(path=path)
        if not entry["existed"]:
            if path.exists():
                path.unlink()
                fsync_dir(path.parent)
                return _("{path}: removed (ffwizard created it)").format(path=path)
            return _("{path}: already absent").format(path=path)
        copy = self.copy_path(path)  # not entry["copy"]: the run directory may have moved
        data = copy.read_bytes()
        if _sha256(data) != entry["sha256"]:
            raise OSError(_("the backup copy of {path} ({copy}) does not match its checksum; "
                            "restore it by hand from {copy}").format(path=path, copy=copy))
        if path.exists() and path.read_bytes() == data:
            current = os.stat(path)
            if stat.S_IMODE(current.st_mode) == entry["mode"]:
                return _("{path}: already as before").format(path=path)
        if path.exists():
            os.chmod(path, entry["mode"] | stat.S_IWUSR)  # restore even a file made read-only
        atomic_write_bytes(path, data)
        os.chmod(path, entry["mode"])
        if (os.stat(path).st_uid, os.stat(path).st_gid) != (entry["uid"], entry["gid"]):
            os.chown(path, entry["uid"], entry["gid"])
        return _("{path}: restored from the backup").format(path=path)


def make_private_dirs(path: Path) -> None:
    """Create `path` and its missing parents as 0700 directories; existing ones keep their
    mode (a backup directory the user named is not ffwizard's to change)."""
    missing: list[Path] = []
    probe = Path(path)
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
        os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask


def make_private_tree(top: Path) -> None:
    """Make `top` and everything under it root's only: directories 0700, files 0600 (feature
    vectors are biometric data). Symbolic links are left alone, never followed."""
    top = Path(top)
    if not top.is_symlink():
        os.chmod(top, 0o700 if top.is_dir() else 0o600)
    for dirpath, dirs, files in os.walk(top):
        for name in dirs:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, 0o700)
        for name in files:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, 0o600)


def copy_tree_owner_mode(like: Path, target: Path) -> None:
    """Give `target` the owner and mode of `like` (new shard dirs look like the old ones)."""
    st = os.stat(like)
    os.chmod(target, stat.S_IMODE(st.st_mode))
    if (os.stat(target).st_uid, os.stat(target).st_gid) != (st.st_uid, st.st_gid):
        os.chown(target, st.st_uid, st.st_gid)


def move_aside(path: Path, aside_dir: Path) -> Path:
    """Move `path` into `aside_dir` under a free name (never deletes); return the new path."""
    aside_dir.mkdir(parents=True, exist_ok=True)
    target = aside_dir / path.name
    n = 1
    while target.exists():
        n += 1
        target = aside_dir / f"{path.name}.{n}"
    shutil.move(str(path), str(target))
    fsync_dir(aside_dir)
    fsync_dir(path.parent)
    return target


def holds_data(path: Path) -> bool:
    """Whether a shard dir holds anything but the three empty subdirectories."""
    for entry in path.iterdir():
        if entry.is_dir() and entry.name in ("index", "snapshots", "xlogs") \
                and not any(entry.iterdir()):
            continue
        return True
    return False
