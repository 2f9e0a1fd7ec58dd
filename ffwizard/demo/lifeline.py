"""A simulated service that must not outlive the process that owns its sandbox.

The services of a sandbox outlive the process that started them on purpose (`ffwizard demo
--prepare-only` leaves them running for a later `plan`/`apply`). A test session, though, must
leave nothing behind, not even when it is killed: it names itself in `FFSIM_OWNER`
(`<pid>:<start time>`, see `owner_value`), every service and tool started under it inherits the
variable, and each of them stops itself (SIGTERM, as `docker stop` would) once that process is
gone. Without the variable nothing changes.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

OWNER_ENV = "FFSIM_OWNER"
CHECK_EVERY = 0.5  # seconds
GRACE = 10.0  # after SIGTERM, before giving up on a clean stop


def start_time(pid: int) -> int | None:
    """Start time (clock ticks after boot) of a live, non-zombie process; None otherwise."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def owner_value(pid: int | None = None) -> str:
    """What to put in FFSIM_OWNER for the process `pid` (default: this one)."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{start_time(pid)}"


def owner_alive(value: str) -> bool:
    try:
        pid_text, ticks = value.split(":")
        pid = int(pid_text)
    except ValueError:
        return True  # not ours to judge: keep running
    return start_time(pid) is not None and str(start_time(pid)) == ticks


def watch_owner() -> None:
    """If FFSIM_OWNER names a process, stop this one (SIGTERM to itself, then exit) once that
    process is gone. Returns at once; the watching is a daemon thread."""
    value = os.environ.get(OWNER_ENV)
    if not value:
        return

    def watch() -> None:
        while owner_alive(value):
            time.sleep(CHECK_EVERY)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(GRACE)
        os._exit(143)

    threading.Thread(target=watch, name="ffsim-owner", daemon=True).start()
