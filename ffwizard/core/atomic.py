"""Atomic file writes that keep a file's mode and owner.

A write goes to a temporary file in the same directory (created 0600, so secrets are never
readable in between), is fsynced, then renamed over the target; the directory is fsynced so the
rename survives a power cut. A reader sees the old file or the new one, never half of one.
A symbolic link is written through: its target gets the new text, the link stays a link.
A file that cannot be renamed over (a bind-mounted single file, an immutable one) is refused,
never written in place: see core/replaceable.py.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ffwizard.core.errors import UserError
from ffwizard.core.replaceable import why_not_renamed_over
from ffwizard.i18n import _

DEFAULT_NEW_FILE_MODE = 0o644


def fsync_dir(directory: Path | str) -> None:
    fd = os.open(str(directory), os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_writable(path: Path) -> None:
    """Refuse files whose mode has no write bit.

    We run as root, for whom permissions do not apply: a file someone made read-only (0444) was
    made so on purpose, and replacing it silently would defeat that.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise UserError(
            _("{path} is read-only (mode {mode}), so ffwizard will not change it. If it may be "
              "changed, make it writable (chmod u+w '{path}') and run 'ffwizard resume'.")
            .format(path=path, mode=f"{stat.S_IMODE(mode):04o}"))


def atomic_write_bytes(path: Path | str, data: bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `data` atomically.

    An existing file keeps its mode and owner; a new file gets `mode` (default 0644). A link
    (a chain of them too) is followed: the rename happens beside its target.
    """
    path = Path(os.path.realpath(path))
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    if existing is not None:
        check_writable(path)
        refusal = why_not_renamed_over(path)
        if refusal:  # said before a temporary file is made (preflight says it before the run)
            raise UserError(refusal)
        final_mode = stat.S_IMODE(existing.st_mode)
    else:
        final_mode = DEFAULT_NEW_FILE_MODE if mode is None else mode
    import tempfile  # lazy: tempfile (and random under it, ~1.5 ms) only to write, not for plan

    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".ffwizard-tmp",
                                    dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), final_mode)
            if existing is not None and (existing.st_uid, existing.st_gid) != _own_ids():
                os.fchown(handle.fileno(), existing.st_uid, existing.st_gid)
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path | str, text: str, *, mode: int | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def read_text_or_none(path: Path | str) -> str | None:
    try:
        return Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None


def _own_ids() -> tuple[int, int]:
    return os.getuid(), os.getgid()
