"""Every exception type of ffwizard, and the exit status of every command (`ExitCode`).

Errors that reach the user carry a message in the user's words (`UserError` and its
subclasses); the others (`Stopped`, `CountError`) are caught inside the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Protocol

from ffwizard.core.installation import Problem
from ffwizard.i18n import _


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

    def __init__(self, message: str, *, where: str | None = None,
                 hint: str | None = None) -> None:
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


class YamlReadError(UserError):
    """A YAML file cannot be read; `where` is "path:line"."""


class EditError(UserError):
    """A file cannot be edited as planned."""

    @property
    def problem(self) -> Problem:
        return Problem("error", self.message, where=self.where)


class LockHeld(UserError):
    """Another ffwizard (alive) holds the installation's lock."""


class RunExists(UserError):
    """A run is already under way at the install root: resume it or roll it back first."""


class _Failure(Protocol):
    @property
    def message(self) -> str: ...


class PreflightFailed(UserError):
    """Preflight checks failed before anything changed; `failures` are the failed checks."""

    def __init__(self, failures: Sequence[_Failure]) -> None:
        self.failures = list(failures)
        lines = "\n".join(f"  - {c.message}" for c in failures)
        super().__init__(_("the installation is not ready; nothing was changed:\n{failures}"
                           ).format(failures=lines))


class Stopped(Exception):
    """The user asked to stop; the journal says so and `resume` continues."""


class CountError(Exception):
    """A shard did not answer its gallery list (message says which and why)."""
class RerunNeeded(StepFailed):
    """A failure of the copy that only `resume --rerun-migration` (into emptied new shards) gets
    past: a plain `resume` would fail the same way."""
