"""The run directory and its journal: what a run did, durable before the next thing happens.

Layout of `<root>/.ffwizard/run/` (the current run; moved to `<root>/.ffwizard/runs/<run-id>/`
when the run is done or rolled back, so `status` and the report find it again):

    run.json          run id, runtime kind, start time, command line
    plan.json         the plan as started (see plan.py); private/ holds secret contents
    journal.jsonl     one JSON event per line, each fsynced before the next action
    backups/          every file as it was before the run's first write of it
    migration.*       the detached migration: .json (pid, start), .log (output), .exit (status)
    aside/            anything ffwizard moved out of the way instead of deleting it
    report.md         the run report
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ffwizard.core.atomic import atomic_write_text, fsync_dir
from ffwizard.core.events import JournalEvent, RunStatus, StepStatus
from ffwizard.core.secrets import redact

STATE_DIR = ".ffwizard"
CURRENT_RUN = "run"
ARCHIVE = "runs"
JOURNAL_FILE = "journal.jsonl"
RUN_FILE = "run.json"


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def current_run_dir(root: Path) -> Path:
    return Path(root) / STATE_DIR / CURRENT_RUN


def archive_dir(root: Path) -> Path:
    return Path(root) / STATE_DIR / ARCHIVE


def new_run_id() -> str:
    # os.urandom, as secrets.token_hex: the secrets module would bring hmac and hashlib
    # (OpenSSL's start, ~3 ms) into every command that reads a journal, `plan` included.
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + os.urandom(2).hex()


def tail(path: Path, lines: int) -> str:
    """The last `lines` lines of a (log) file; empty when there is none."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


class Journal:
    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / JOURNAL_FILE

    def append(self, event: JournalEvent, **fields: Any) -> dict[str, Any]:
        record = {"t": now_iso(), "event": event, **fields}
        line = (redact(json.dumps(record, sort_keys=True, default=str)) + "\n").encode()
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.path.parent)
        return record

    def events(self) -> list[dict[str, Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        events = []
        for line in raw.splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue  # a line cut short by a crash: the action it announced did not start
        return events


class RunState:
    """What the journal says about each step and the run (replayed from events)."""

    def __init__(self, events: list[dict[str, Any]]):
        self.events = events
        self.steps: dict[str, StepStatus] = {}  # step id -> its status (absent: pending)
        self.points: dict[str, set[str]] = {}   # step id -> points passed (in the last attempt)
        self.data: dict[str, dict[str, Any]] = {}  # step id -> facts recorded by the step
        self.durations: dict[str, float] = {}
        self.status = RunStatus.NEW
        self.last_error: str | None = None
        self.confirmed = False
        started: dict[str, str] = {}
        J = JournalEvent
        for event in events:
            kind, step = event["event"], str(event.get("step"))
            if kind == J.RUN_STARTED:
                self.status = RunStatus.RUNNING
            elif kind == J.STEP_STARTED:
                self.steps[step] = StepStatus.STARTED
                self.points[step] = set()
                started[step] = event["t"]
                self.status = RunStatus.RUNNING
            elif kind == J.STEP_POINT:
                self.points.setdefault(step, set()).add(event["point"])
            elif kind == J.STEP_DATA:
                self.data.setdefault(step, {}).update(event.get("data", {}))
            elif kind == J.STEP_DONE:
                self.steps[step] = StepStatus.DONE
                if step in started:
                    self.durations[step] = (parse_iso(event["t"])
                                            - parse_iso(started[step])).total_seconds()
            elif kind == J.STEP_RESET:
                self.steps[step] = StepStatus.PENDING
                self.data.pop(step, None)
            elif kind == J.STEP_FAILED:
                self.steps[step] = StepStatus.FAILED
                self.last_error = event.get("error")
            elif kind == J.CONFIRMED:
                self.confirmed = True
            elif kind == J.RUN_STOPPED:
                self.status = RunStatus.STOPPED
            elif kind == J.RUN_FAILED:
                self.status = RunStatus.FAILED
                self.last_error = event.get("error", self.last_error)
            elif kind == J.RUN_DONE:
                self.status = RunStatus.DONE
            elif kind == J.ROLLBACK_STARTED:
                self.status = RunStatus.ROLLING_BACK
            elif kind == J.STEP_UNDONE:
                self.steps[step] = StepStatus.UNDONE
            elif kind == J.ROLLBACK_DONE:
                self.status = RunStatus.ROLLED_BACK
            elif kind == J.ROLLBACK_FAILED:
                self.status = RunStatus.ROLLBACK_FAILED
                self.last_error = event.get("error")

    def step_status(self, step_id: str) -> StepStatus:
        return self.steps.get(step_id, StepStatus.PENDING)

    def passed(self, step_id: str, point: str) -> bool:
        return point in self.points.get(step_id, set())


class RunDir:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.journal = Journal(self.path)

    # Paths of the run's files (documented in the module docstring).
    log = property(lambda self: self.path / "migration.log")
    migration_state = property(lambda self: self.path / "migration.json")
    migration_exit = property(lambda self: self.path / "migration.exit")
    report = property(lambda self: self.path / "report.md")
    aside = property(lambda self: self.path / "aside")

    @classmethod
    def create(cls, root: Path, runtime_kind: str, argv: list[str] | None = None) -> RunDir:
        path = current_run_dir(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o755)
        fsync_dir(path.parent)
        run = cls(path)
        info = {"run_id": new_run_id(), "root": str(root), "runtime": runtime_kind,
                "created": now_iso(), "argv": argv or []}
        atomic_write_text(path / RUN_FILE, json.dumps(info, indent=1))
        return run

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = json.loads((self.path / RUN_FILE).read_text())
        return info

    def state(self) -> RunState:
        return RunState(self.journal.events())

    def archive(self) -> RunDir:
        """Move the finished run to runs/<run-id>; return the moved run."""
        target = archive_dir(self.path.parent.parent) / self.info()["run_id"]
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.path, target)
        fsync_dir(target.parent)
        fsync_dir(self.path.parent)
        return RunDir(target)


def find_run(root: Path) -> RunDir | None:
    """The current run, or else the newest archived one."""
    current = current_run_dir(root)
    if (current / RUN_FILE).exists():
        return RunDir(current)
    archived = archive_dir(root)
    if archived.is_dir():
        runs = sorted(p for p in archived.iterdir() if (p / RUN_FILE).exists())
        if runs:
            return RunDir(runs[-1])
    return None
