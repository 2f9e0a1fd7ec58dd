"""Event intake: the services of a site that produce events (the video pipeline), found in the
compose file, and whether a run holds them paused.

While intake is paused, no new event reaches the old shards, so the copy check stays exact;
a `compose up` of the run must then leave these services stopped (see `StepContext.compose_up`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ffwizard.core.events import StepStatus
from ffwizard.core.installation import Installation
from ffwizard.core.journal import RunState

# Images (the last path part, without the tag) and service names of the video pipeline:
# `…/video-worker-cpu`, `…/video-worker-gpu`, `…/video-manager` (FINDFACE.md, 2.1.3.5 images).
VIDEO_MARKERS = ("video-worker", "video-manager")


def _image_name(image: str | None) -> str:
    return (image or "").rsplit("/", 1)[-1].split(":", 1)[0]


def is_video_service(name: str, image: str | None) -> bool:
    image_name = _image_name(image)
    return any(image_name.startswith(m) or m in name for m in VIDEO_MARKERS)


def intake_services(installation: Installation) -> tuple[str, ...]:
    """The services that produce events, workers before managers (the order they are stopped)."""
    found = [name for name, service in installation.services.items()
             if is_video_service(name, service.image)]
    return tuple(sorted(found, key=lambda n: ("video-manager" in n
                                              or _image_name(installation.services[n].image)
                                              .startswith("video-manager"), n)))


def paused_services(plan: Any, state: RunState) -> tuple[str, ...]:
    """The services a run holds stopped now: paused, and neither resumed nor undone yet."""
    from ffwizard.core.steps.pause_event_intake import PauseIntake
    from ffwizard.core.steps.resume_event_intake import ResumeIntake

    pause, resume = PauseIntake.id, ResumeIntake.id
    if not plan.has(pause):
        return ()
    if state.step_status(pause) in (StepStatus.PENDING, StepStatus.UNDONE):
        return ()
    if plan.has(resume) and state.step_status(resume) == StepStatus.DONE:
        return ()
    return tuple(plan.step(pause).params.services)


def plan_pauses_intake(plan: Any) -> bool:
    from ffwizard.core.steps.pause_event_intake import PauseIntake

    return bool(plan.has(PauseIntake.id))


def window_text(root: Path) -> str:
    """The window of the current run in one sentence (the question of the point of no return):
    empty when the run has not measured it."""
    from ffwizard.core.journal import RunDir, current_run_dir
    from ffwizard.core.steps.count_arrivals import arrival_facts
    from ffwizard.core.window import window_sentence

    run = current_run_dir(Path(root))
    if not (run / "journal.jsonl").exists():
        return ""
    counted = arrival_facts(RunDir(run).state().data)
    if "arrivals" not in counted:
        return ""
    return window_sentence(counted["arrivals"], paused=bool(counted.get("paused")))
