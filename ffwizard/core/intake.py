"""Event intake: the services of a site that produce events (the video pipeline), found in the
compose file, and whether a run holds them paused.

While intake is paused, no new event reaches the old shards, so the copy check stays exact;
a `compose up` of the run must then leave these services stopped (see `StepContext.compose_up`).
"""

from __future__ import annotations

from typing import Any

from ffwizard.core.events import StepStatus
from ffwizard.core.journal import RunState


def paused_services(plan: Any, state: RunState) -> tuple[str, ...]:
    """The services a run holds stopped now: paused, and neither resumed nor undone yet."""
    pause = _step_that(plan, "pauses_intake")
    if pause is None:
        return ()
    if state.step_status(pause.id) in (StepStatus.PENDING, StepStatus.UNDONE):
        return ()
    resume = _step_that(plan, "resumes_intake")
    if resume is not None and state.step_status(resume.id) == StepStatus.DONE:
        return ()
    return tuple(pause.params.services)


def _step_that(plan: Any, marker: str) -> Any:
    """The plan's step whose kind carries `marker` (the intake steps say which they are, so
    this module needs none of them: they import it)."""
    return next((step for step in plan.steps if getattr(step.kind, marker, False)), None)


def plan_pauses_intake(plan: Any) -> bool:
    return _step_that(plan, "pauses_intake") is not None


def planned_pause(plan: Any) -> tuple[str, ...]:
    """The services the plan stops for the window (empty: intake keeps running)."""
    pause = _step_that(plan, "pauses_intake")
    return tuple(pause.params.services) if pause is not None else ()
