"""Backups of every file a run writes, taken before its first write.

Copies live in `<run dir>/backups/` (0700: a config may hold storage secrets) under the file's
path relative to the install root; `manifest.json` records whether the file existed and its
mode and owner. The first backup of a file is never replaced: a file written by two steps
(docker-compose.yaml) is restored to what it was before the run, not between the steps.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

from ffwizard.core.atomic import atomic_write_bytes, atomic_write_text, fsync_dir
from ffwizard.i18n import _

MANIFEST = "manifest.json"


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
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        entry: dict[str, Any] = {"existed": path.exists()}
        if entry["existed"]:
            st = os.stat(path)
            data = path.read_bytes()
            copy = self.copy_path(path)
            copy.parent.mkdir(parents=True, exist_ok=True)
            # Copied before the manifest names it: a copy without a manifest entry is simply
            # taken again (the original is not written before `ensure` returns).
            atomic_write_bytes(copy, data, mode=stat.S_IMODE(st.st_mode))
            entry.update(mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
                         sha256=hashlib.sha256(data).hexdigest(),
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
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
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
