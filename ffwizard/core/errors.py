"""Errors that carry a message meant for the user, in the user's words."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can act on. `str(err)` is shown as is; never a traceback.

    `where` names the file (and line) the problem is in, when known.
    `exit_code` follows the CLI contract: 2 refused (bad input, failed preflight, lock held),
    1 failed while running.
    """

    exit_code = 2

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

    exit_code = 1
