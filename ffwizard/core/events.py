"""The words a run is told in: what happened (events to front ends, lines of the journal), and
the states a run and its steps are in.

Each is a `str` enum, so the journal's JSON and `--json` outputs carry the same plain strings as
ever (`"step_done"`, `"rolled-back"`) and a value read back from JSON compares equal to its member.
"""

from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    """A `str` whose `str()` and `format()` are its value (as `enum.StrEnum` of Python 3.11)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return format(str(self.value), format_spec)


class EventKind(StrEnum):
    """What the executor tells its front end (`Event.kind`)."""

    RUN_STARTED = "run_started"
    STEP_STARTED = "step_started"
    STEP_SKIPPED = "step_skipped"
    STEP_DONE = "step_done"
    STEP_FAILED = "step_failed"
    STEP_UNDONE = "step_undone"
    OUTPUT = "output"
    PROGRESS = "progress"
    MESSAGE = "message"
    CONFIRM_NEEDED = "confirm_needed"
    RUN_DONE = "run_done"
    RUN_STOPPED = "run_stopped"
    RUN_FAILED = "run_failed"
    ROLLBACK_DONE = "rollback_done"


class JournalEvent(StrEnum):
    """The `event` of a journal line."""

    RUN_CREATED = "run_created"
    RUN_STARTED = "run_started"
    STEP_STARTED = "step_started"
    STEP_POINT = "step_point"
    STEP_DATA = "step_data"
    STEP_DONE = "step_done"
    STEP_RESET = "step_reset"
    STEP_FAILED = "step_failed"
    STEP_UNDONE = "step_undone"
    CONFIRMED = "confirmed"
    RUN_STOPPED = "run_stopped"
    RUN_FAILED = "run_failed"
    RUN_DONE = "run_done"
    ROLLBACK_STARTED = "rollback_started"
    ROLLBACK_DONE = "rollback_done"
    ROLLBACK_FAILED = "rollback_failed"
    RERUN_STARTED = "rerun_started"
    RERUN_EMPTIED = "rerun_emptied"
    RERUN_DONE = "rerun_done"


class RunStatus(StrEnum):
    """Where a run is, as its journal tells (and where an `Outcome` left it)."""

    NEW = "new"
    RUNNING = "running"
    STOPPED = "stopped"
    FAILED = "failed"
    DONE = "done"
    ROLLING_BACK = "rolling-back"
    ROLLED_BACK = "rolled-back"
    ROLLBACK_FAILED = "rollback-failed"


class StepStatus(StrEnum):
    """Where one step of a run is."""

    PENDING = "pending"
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    UNDONE = "undone"
