"""The services of a site that produce events (the video pipeline), found in the compose file
by image and name. Plain detected data: the plan's answers read it, so it imports no step."""

from __future__ import annotations

from ffwizard.core.installation import Installation

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
