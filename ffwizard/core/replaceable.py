"""Whether a file can be replaced the way ffwizard writes it: a temporary file in the same
directory renamed over it (core/atomic.py).

The file's mode is not the whole answer. An immutable or append-only file (chattr +i / +a)
refuses the rename whatever the mode; a file that is a mount point of its own (a single config
file bind-mounted, common with containers) refuses it with EBUSY; a read-only or full directory
refuses the temporary file. ffwizard does not write such a file in place (a cut-short in-place
write leaves half a config, where the rename leaves the old or the new one): it refuses it
before anything runs, naming the file and why.
"""

from __future__ import annotations

import fcntl
import os
import struct
from pathlib import Path

from ffwizard.i18n import _

FS_IOC_GETFLAGS = 0x80086601   # _IOR('f', 1, long) on 64-bit Linux
FS_IMMUTABLE_FL = 0x00000010
FS_APPEND_FL = 0x00000020


def inode_flags(path: Path) -> int | None:
    """The file's inode flags (lsattr), None where the file system keeps none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        raw = fcntl.ioctl(fd, FS_IOC_GETFLAGS, struct.pack("l", 0))
    except OSError:
        return None  # tmpfs, overlay and others: no such flags
    finally:
        os.close(fd)
    return int(struct.unpack("l", raw)[0])


def _unescape(field: str) -> str:
    """A path of /proc/self/mountinfo: space, tab, newline and backslash are octal escapes."""
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


def mount_points(mountinfo: Path = Path("/proc/self/mountinfo")) -> set[str]:
    try:
        lines = mountinfo.read_text().splitlines()
    except OSError:
        return set()
    return {_unescape(line.split()[4]) for line in lines if len(line.split()) > 4}


def is_mount_point(path: Path) -> bool:
    """Whether `path` itself is mounted on (a directory's own st_dev test misses a file bound
    onto itself from the same file system)."""
    real = os.path.realpath(path)
    if real in mount_points():
        return True
    try:
        return os.stat(real).st_dev != os.stat(os.path.dirname(real)).st_dev
    except OSError:
        return False


def why_not_renamed_over(path: Path) -> str | None:
    """Why a file cannot be renamed over `path` although its directory allows it (a mount
    point, an immutable or append-only file), in one sentence; None when nothing stops it."""
    path = Path(path)
    target = Path(os.path.realpath(path))  # a symlink is kept: its target is what is replaced
    if target.exists():
        if is_mount_point(target):
            return _("{path} is a mount point of its own (a single file bind-mounted there), "
                     "and a file cannot be renamed over a mount point: mount the directory that "
                     "holds it instead, or edit it where it is mounted from, then try "
                     "again.").format(path=path)
        flags = inode_flags(target) or 0
        if flags & FS_IMMUTABLE_FL:
            return _("{path} is immutable (chattr +i), so it cannot be replaced: if ffwizard "
                     "may change it, run 'chattr -i {path}' and try again.").format(path=path)
        if flags & FS_APPEND_FL:
            return _("{path} is append-only (chattr +a), so it cannot be replaced: if ffwizard "
                     "may change it, run 'chattr -a {path}' and try again.").format(path=path)
    return None


def why_not_replaceable(path: Path) -> str | None:
    """Why `path` cannot be replaced by a rename (one sentence), None when it can. Proved by
    doing it: a probe file is created in the directory and renamed onto a second probe name;
    the file itself is never touched."""
    refusal = why_not_renamed_over(path)
    if refusal:
        return refusal
    directory = Path(os.path.realpath(path)).parent
    while not directory.exists():
        directory = directory.parent  # created by the run: its first existing parent decides
    import tempfile  # lazy: tempfile (and random under it, ~1.5 ms) only to probe, not for plan

    try:
        fd, probe = tempfile.mkstemp(prefix=".ffwizard-probe.", dir=str(directory))
        os.close(fd)
        try:
            os.replace(probe, probe + ".renamed")
            probe += ".renamed"
        finally:
            os.unlink(probe)
    except OSError as err:
        return _("ffwizard cannot replace files in {directory} ({reason}), so {path} cannot be "
                 "written: make the directory writable and try again.").format(
                     directory=directory, reason=err.strerror or err, path=path)
    return None
