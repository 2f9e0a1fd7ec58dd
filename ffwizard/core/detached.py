"""Run the migration tool detached from ffwizard and from the terminal.

`launch()` starts `python -m ffwizard.core.detached <exit-file> -- <argv...>` in a new session
(no controlling terminal: a dropped SSH session sends it no SIGHUP; ffwizard's death does not
touch it) with stdin from /dev/null and stdout/stderr appended to the run's log file. This
wrapper writes its pid to `<exit-file>.pid`, runs argv, and writes argv's exit status to the
exit file when it ends: a later ffwizard (resume, attach, status) learns whether the tool is
still running, finished, or died without saying (the wrapper itself was killed).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ffwizard.core.atomic import atomic_write_text
from ffwizard.i18n import _, current_language, set_language

# The wrapper speaks the user's language in the log (read and dropped: the tool never sees it).
LANGUAGE_ENV = "FFWIZARD_WRAPPER_LANGUAGE"


@dataclass(frozen=True)
class DetachedState:
    """The detached tool's process, as recorded to find it again."""

    pid: int
    start_ticks: int | None
    started: float  # epoch seconds


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in clock ticks) of a process, None if there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[19])


def is_running(state: DetachedState) -> bool:
    stat = _proc_stat(state.pid)
    if stat is None or stat[0] in ("Z", "X"):
        return False
    # A pid reused by another process has another start time.
    return state.start_ticks is None or stat[1] == state.start_ticks


def group_alive(state: DetachedState) -> bool:
    """Whether any process of the wrapper's process group lives (the tool may outlive a killed
    wrapper)."""
    if is_running(state):
        return True
    try:
        os.killpg(state.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # The group exists: make sure it is not only zombies or a stranger reusing the id.
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2:].split()
            if int(fields[2]) == state.pid and fields[0] not in ("Z", "X"):
                return True
    return False


def pid_file(exit_file: Path) -> Path:
    return Path(str(exit_file) + ".pid")


def read_state(exit_file: Path) -> DetachedState | None:
    try:
        data = json.loads(pid_file(exit_file).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return DetachedState(int(data["pid"]), data.get("start_ticks"), float(data["started"]))


def read_exit(exit_file: Path) -> int | None:
    try:
        return int(json.loads(Path(exit_file).read_text())["exit_code"])
    except (FileNotFoundError, ValueError, KeyError):
        return None


def _wrapper_env() -> dict[str, str]:
    """The wrapper's environment: ours, plus the user's language. Run from the offline bundle
    (a zip), ffwizard is not on a new Python's path: give the wrapper (and the tool it runs)
    the bundle through PYTHONPATH."""
    env = {**os.environ, LANGUAGE_ENV: current_language()}
    package_parent = Path(__file__).resolve().parents[2]
    if package_parent.is_file():
        inherited = os.environ.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join([str(package_parent),
                                             *([inherited] if inherited else [])])
    return env


def launch(host_argv: list[str], *, log_file: Path, exit_file: Path,
           wait_for_pid: float = 10.0) -> DetachedState:
    """Start `host_argv` detached; return once the wrapper has recorded its pid."""
    with open(log_file, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ffwizard.core.detached", str(exit_file), "--", *host_argv],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True, env=_wrapper_env())
    deadline = time.monotonic() + wait_for_pid
    while time.monotonic() < deadline:
        state = read_state(exit_file)
        if state is not None:
            return state
        if process.poll() is not None and read_state(exit_file) is None:
            break
        time.sleep(0.02)
    state = read_state(exit_file)
    if state is None:
        raise OSError(_("the migration launcher did not start (see {log})").format(log=log_file))
    return state


def find_wrapper(exit_file: Path) -> int | None:
    """The pid of a running wrapper for `exit_file` (found by its command line), if any."""
    needle = str(exit_file).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parts = cmdline.split(b"\0")
        if b"ffwizard.core.detached" in parts and needle in parts:
            stat = _proc_stat(int(entry.name))
            if stat and stat[0] not in ("Z", "X"):
                return int(entry.name)
    return None


def stop(state: DetachedState, grace: float = 10.0) -> None:
    """Stop the wrapper and the tool (its whole process group), gently, then firmly."""
    if not group_alive(state):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(state.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not group_alive(state):
                return
            time.sleep(0.05)


def _main(argv: list[str]) -> int:
    language = os.environ.pop(LANGUAGE_ENV, "")
    if language:
        try:
            set_language(language)
        except ValueError:  # UnknownLanguage: stay in English
            pass
    if len(argv) < 3 or argv[1] != "--":
        print(_("usage: python -m ffwizard.core.detached EXIT_FILE -- ARGV..."), file=sys.stderr)
        return 2
    exit_file, command = Path(argv[0]), argv[2:]
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    stat = _proc_stat(os.getpid())
    atomic_write_text(pid_file(exit_file), json.dumps(
        {"pid": os.getpid(), "start_ticks": stat[1] if stat else None, "started": time.time()}))
    try:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    except OSError as err:
        print(_("ffwizard: cannot start {program}: {error}").format(program=command[0], error=err),
              flush=True)
        code = 127
    else:
        def forward(signum: int, _frame: object) -> None:
            try:
                child.send_signal(signum)
            except ProcessLookupError:
                pass
        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        code = child.wait()
        if code < 0:
            code = 128 - code  # killed by a signal: the shell's convention
    atomic_write_text(exit_file, json.dumps({"exit_code": code, "ended": time.time()}))
    return code


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
