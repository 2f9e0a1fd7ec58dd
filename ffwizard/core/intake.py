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
PAUSE_STEP, RESUME_STEP = "pause_intake", "resume_intake"


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
    if not plan.has(PAUSE_STEP):
        return ()
    if state.step_status(PAUSE_STEP) in (StepStatus.PENDING, StepStatus.UNDONE):
        return ()
    if plan.has(RESUME_STEP) and state.step_status(RESUME_STEP) == StepStatus.DONE:
        return ()
    return tuple(plan.step(PAUSE_STEP).params.services)


def plan_pauses_intake(plan: Any) -> bool:
    return bool(plan.has(PAUSE_STEP))


def window_text(root: Path) -> str:
    """The window of the current run in one sentence (the question of the point of no return):
    empty when the run has not measured it."""
    from ffwizard.core.journal import RunDir, current_run_dir
    from ffwizard.core.window import window_sentence

    run = current_run_dir(Path(root))
    if not (run / "journal.jsonl").exists():
        return ""
    counted = RunDir(run).state().data.get("count_arrivals") or {}
    if "arrivals" not in counted:
        return ""
    return window_sentence(counted["arrivals"], paused=bool(counted.get("paused")))
