"""Simulated services a sandbox started but lost track of (a record that could not be written,
a disk-full run): found by what they are, not by their record, so `demo --stop` ends them too.

A process counts as the sandbox's when it runs one of the demo's programs
(`python -m ffwizard.demo.<program>`) with its working directory inside the sandbox's `.sim/`
(every simulated container runs there). Anything else, a shell cd'ed into the sandbox included,
is never touched.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def sandbox_processes(sandbox_root: Path) -> list[int]:
    """Pids of demo programs running inside the sandbox's `.sim/`."""
    sim = str((Path(sandbox_root).resolve() / ".sim"))
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry.name}/cwd")
            argv = Path(f"/proc/{entry.name}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not (cwd == sim or cwd.startswith(sim + "/")):
            continue
        if any(arg.startswith(b"ffwizard.demo.") for arg in argv):
            found.append(int(entry.name))
    return found


def end_orphans(sandbox_root: Path, *, timeout: float = 5.0) -> list[int]:
    """SIGTERM the sandbox's remaining demo programs, SIGKILL those still there after
    `timeout`. Returns the pids ended."""
    pids = sandbox_processes(sandbox_root)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _alive(pid)]
        if alive:
            time.sleep(0.02)
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def _alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)  # our own child: reap it
    except ChildProcessError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
