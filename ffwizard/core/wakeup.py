"""Waiting that ends on an event, not on the next tick of a clock.

`StopFlag` is the run's stop request: a `threading.Event` that also makes a pipe readable, so a
`select()` can wait for it next to other file descriptors. `ExitWatch` ends a wait when the
detached migration wrapper ends, seen through a pidfd (Linux ≥ 5.3): the wrapper need not be our
child, so a resumed ffwizard in a new process wakes on it too. Without pidfds the watch falls
back to short polls of the wrapper's exit file.
"""

from __future__ import annotations

import os
import select
import threading
import time
from pathlib import Path

from ffwizard.core import detached

# Without a pidfd: how often a wait looks at the exit file.
FALLBACK_POLL = 0.05


class StopFlag(threading.Event):
    """A stop request that a `select()` can wait for (`fileno()` turns readable once set)."""

    def __init__(self) -> None:
        super().__init__()
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)

    def set(self) -> None:
        super().set()
        try:
            os.write(self._write, b"\0")
        except (BlockingIOError, OSError):
            pass  # already readable (or closed at exit): the flag itself is set

    def fileno(self) -> int:
        return self._read

    def __del__(self) -> None:
        for fd in (self._read, self._write):
            try:
                os.close(fd)
            except OSError:
                pass


class ExitWatch:
    """Wakes a wait when the wrapper recorded in `exit_file`'s pid file ends (once: after it has
    ended, waits last their whole time, e.g. while a tool that outlived its wrapper runs on)."""

    def __init__(self, exit_file: Path) -> None:
        self.exit_file = exit_file
        self.ended = detached.read_exit(exit_file) is not None
        self._state = detached.read_state(exit_file)
        self._pidfd: int | None = None
        if self.ended or self._state is None:
            return
        try:
            self._pidfd = os.pidfd_open(self._state.pid)
        except (AttributeError, OSError):
            return  # no pidfds here (or the pid is gone): short polls
        if not detached.is_running(self._state):  # gone, or the pid now names another process
            self.close()
            self.ended = True

    def _has_ended(self) -> bool:
        return (detached.read_exit(self.exit_file) is not None
                or (self._state is not None and not detached.is_running(self._state)))

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Return after `seconds`, when the wrapper ends, or when `stop` is set."""
        if self.ended or self._state is None:
            stop.wait(seconds)
            return
        if self._pidfd is not None and isinstance(stop, StopFlag):
            ready, _, _ = select.select([self._pidfd, stop.fileno()], [], [], max(0.0, seconds))
            if self._pidfd in ready:
                self.ended = True
                self.close()
            return
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            if self._has_ended():
                self.ended = True
                self.close()
                return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            stop.wait(min(FALLBACK_POLL, left))

    def close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def __del__(self) -> None:
        self.close()
