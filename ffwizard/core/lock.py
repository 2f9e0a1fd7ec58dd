"""One run at a time per installation: an flock on `<root>/.ffwizard/lock` plus who holds it.

The kernel holds the lock for the holder's open file and drops it when the holder dies, even by
SIGKILL, so a lock left by a dead process is never "held": the next taker gets it at once and
is told whose lock it took over (the JSON description the dead holder left). Release empties
the description; only a lock that left nothing else behind (a refusal: it created `.ffwizard/`
and the file, and nothing more was written) removes the file and the directory it made, while
still holding the lock. A taker checks after locking that the file it locked is still the one at
the path (else it retries), so two processes never lock two different files.
A lock that cannot be written (a read-only filesystem, a full disk) is refused in one sentence.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ffwizard.core.errors import UserError
from ffwizard.i18n import _

LOCK_NAME = "lock"


class LockHeld(UserError):
    exit_code = 2


@dataclass(frozen=True)
class LockHolder:
    pid: int
    host: str
    user: str
    since: str
    command: str = ""

    def describe(self) -> str:
        if self.command:
            # TRANSLATORS: who holds the lock; {command} is an ffwizard command (apply, wizard).
            return _("pid {pid} on {host}, user {user}, since {since} ({command})").format(
                pid=self.pid, host=self.host, user=self.user, since=self.since,
                command=self.command)
        return _("pid {pid} on {host}, user {user}, since {since}").format(
            pid=self.pid, host=self.host, user=self.user, since=self.since)

    def alive_here(self) -> bool | None:
        """True/False when the holder is on this host; None when it is elsewhere."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def lock_path(root: Path) -> Path:
    return Path(root) / ".ffwizard" / LOCK_NAME


def read_holder(root: Path) -> LockHolder | None:
    """Who the lock file says holds (or last held) the lock."""
    try:
        text = lock_path(root).read_text()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        return LockHolder(int(data["pid"]), str(data["host"]), str(data["user"]),
                          str(data["since"]), str(data.get("command", "")))
    except (ValueError, KeyError, TypeError):
        return None


class InstallLock:
    """`with InstallLock(root, "apply"):` — raises LockHeld naming the holder."""

    def __init__(self, root: Path, command: str):
        self.root = Path(root)
        self.command = command
        self._fd: int | None = None
        self.took_over: LockHolder | None = None  # a dead holder's lock we took
        self._created_dir = False  # `.ffwizard/` was made by this lock
        self._created_file = False  # the lock file was made by this lock

    def acquire(self) -> None:
        try:
            self._acquire()
        except OSError as err:  # a read-only filesystem, a full disk, ...
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._remove_created()
            raise lock_write_error(lock_path(self.root), err) from None

    def _acquire(self) -> None:
        path = lock_path(self.root)
        self._created_dir = not path.parent.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
                self._created_file = True
            except FileExistsError:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
                self._created_file = False
            self._fd = fd  # so that a failure below closes it
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._fd = None
                os.close(fd)
                self._created_file = False
                raise held_error(self.root, self._wait_for_description()) from None
            if _same_file(fd, path):
                break
            # The holder we waited on removed the file as it let go: lock the one there now.
            self._fd = None
            os.close(fd)
        previous = read_holder(self.root)
        if previous is not None and (previous.pid, previous.host) != (os.getpid(), socket.gethostname()):
            # The kernel dropped the lock, so that holder is gone (or it released cleanly and
            # left an empty file, in which case `previous` is None).
            self.took_over = previous
        description = {
            "pid": os.getpid(), "host": socket.gethostname(), "user": _user(),
            "since": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "command": self.command,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(description) + "\n").encode(), 0)
        os.fsync(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            if self._only_the_lock_is_ours():
                # Nothing but our own lock file came of it (a refusal): leave no trace. Removed
                # while still locked; a taker that opened it meanwhile sees it gone and retries.
                self._remove_created()
            else:
                os.ftruncate(self._fd, 0)
                os.fsync(self._fd)
        except OSError:
            pass  # a full or read-only disk: the kernel drops the lock all the same
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def _only_the_lock_is_ours(self) -> bool:
        """Whether this lock created the lock file and the directory holds nothing else."""
        if not self._created_file:
            return False
        try:
            return [entry.name for entry in os.scandir(lock_path(self.root).parent)] == [LOCK_NAME]
        except OSError:
            return False

    def _remove_created(self) -> None:
        """Remove the lock file and `.ffwizard/` when this lock created them (and it is empty)."""
        path = lock_path(self.root)
        try:
            if self._created_file:
                path.unlink(missing_ok=True)
                self._created_file = False
            if self._created_dir:
                path.parent.rmdir()
                self._created_dir = False
        except OSError:
            pass

    def _wait_for_description(self) -> LockHolder | None:
        # The holder writes its description right after locking: give it a moment.
        for _attempt in range(20):
            holder = read_holder(self.root)
            if holder is not None:
                return holder
            time.sleep(0.05)
        return None

    def __enter__(self) -> "InstallLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def held_error(root: Path, holder: LockHolder | None) -> LockHeld:
    if holder is None:
        message = _("another ffwizard is working on this installation. Wait for it to finish, "
                    "or follow it with 'ffwizard attach --root {root}'.")
    else:
        message = _("another ffwizard is working on this installation: {holder}. Wait for it "
                    "to finish, or follow it with 'ffwizard attach --root {root}'.")
    return LockHeld(message.format(holder=holder.describe() if holder else "", root=root))


def refuse_if_held(root: Path) -> None:
    """Raise LockHeld naming the holder when some process holds the lock now."""
    if is_locked(root):
        raise held_error(Path(root), read_holder(root))


def _same_file(fd: int, path: Path) -> bool:
    """Whether the open `fd` still is the file at `path` (not removed or replaced)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


def lock_write_error(path: Path, err: OSError) -> UserError:
    """One sentence for a lock that cannot be written: read-only filesystem, full disk, ..."""
    if err.errno == errno.EROFS:
        message = _("cannot take the lock {path}: the install root is on a read-only "
                    "filesystem, and ffwizard keeps its lock, journal and backups there. Remount "
                    "it read-write and try again; nothing was changed.")
    elif err.errno in (errno.ENOSPC, errno.EDQUOT):
        message = _("cannot take the lock {path}: no space is left on the device of the install "
                    "root. Free some space (the migration needs room for backups and the new "
                    "shards) and try again; nothing was changed.")
    elif err.errno in (errno.EACCES, errno.EPERM):
        message = _("cannot take the lock {path}: permission denied; run as root. Nothing was "
                    "changed.")
    else:
        message = _("cannot take the lock {path} ({error}); nothing was changed.")
    return UserError(message.format(path=path, error=err.strerror or err))


def is_locked(root: Path) -> bool:
    """Whether some process holds the lock now (without taking it)."""
    path = lock_path(root)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # no lock file (or removed by a refusal meanwhile): nobody holds it
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
