"""Errors that carry a message meant for the user, in the user's words."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit status of every command, and of a run's outcome (the CLI contract)."""

    OK = 0        # done (or rolled back as asked)
    FAILED = 1    # failed while running
    REFUSED = 2   # refused before anything changed: bad input, failed preflight, lock held
    STOPPED = 3   # stopped: by the user, or before the point of no return without --yes


class UserError(Exception):
    """A problem the user can act on. `str(err)` is shown as is; never a traceback.

    `where` names the file (and line) the problem is in, when known.
    `exit_code` follows the CLI contract: 2 refused (bad input, failed preflight, lock held),
    1 failed while running.
    """

    exit_code: ExitCode = ExitCode.REFUSED

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f"\n  {self.hint}"
        return text


class RuntimeUnavailable(UserError):
    """The runtime (Docker Engine, the simulated installation) does not answer."""


class StepFailed(UserError):
    """A step of a running plan failed; the run stopped there."""

    exit_code = ExitCode.FAILED
