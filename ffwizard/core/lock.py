"""One run at a time per installation: an flock on `<root>/.ffwizard/lock` plus who holds it.

The kernel holds the lock for the holder's open file and drops it when the holder dies, even by
SIGKILL, so a lock left by a dead process is never "held": the next taker gets it at once and
is told whose lock it took over (the JSON description the dead holder left). The file is never
unlinked (unlinking an flocked file lets two processes lock two different inodes); release
empties the description instead.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ffwizard.core.errors import LockHeld  # noqa: F401  (importable from here too)
from ffwizard.i18n import _

LOCK_NAME = "lock"


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

    def acquire(self) -> None:
        path = lock_path(self.root)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self._wait_for_description()
            if holder is None:
                message = _("another ffwizard is working on this installation. Wait for it to "
                            "finish, or follow it with 'ffwizard attach --root {root}'.")
            else:
                message = _("another ffwizard is working on this installation: {holder}. Wait "
                            "for it to finish, or follow it with 'ffwizard attach --root {root}'.")
            raise LockHeld(message.format(holder=holder.describe() if holder else "",
                                          root=self.root)) from None
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
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            os.fsync(self._fd)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def _wait_for_description(self) -> LockHolder | None:
        # The holder writes its description right after locking: give it a moment.
        for _attempt in range(20):
            holder = read_holder(self.root)
            if holder is not None:
                return holder
            time.sleep(0.05)
        return None

    def __enter__(self) -> InstallLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def is_locked(root: Path) -> bool:
    """Whether some process holds the lock now (without taking it)."""
    path = lock_path(root)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
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
