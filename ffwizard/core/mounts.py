"""Where a host file is seen inside a service's container: read from the compose bind mounts,
never assumed (the vendor's paths are only what its installer writes)."""

from __future__ import annotations

import os
from pathlib import Path

from ffwizard.core.compose import split_volume
from ffwizard.core.installation import SF_API_CONFIG, Installation

# What the vendor's installer mounts the sf-api config as (its page runs the dump with it).
VENDOR_SF_API_CONFIG = "/etc/findface-sf-api.ini"


def container_path(installation: Installation, service: str, host_path: Path) -> str | None:
    """The container path `service` mounts `host_path` at (links followed on both sides)."""
    definition = installation.services.get(service)
    if definition is None or installation.compose_file is None:
        return None
    compose_dir = installation.compose_file.parent
    wanted = os.path.realpath(host_path)
    for volume in definition.volumes:
        source, target = split_volume(volume)
        if source and target.startswith("/") and \
                os.path.realpath(compose_dir / os.path.expanduser(source)) == wanted:
            return target
    return None


def host_path(installation: Installation, service: str, container_dir: str) -> Path | None:
    """Where `container_dir` inside `service` is on the host, through a bind mount of it or of
    a directory above it (None: not bind-mounted, e.g. a named volume or the container's own)."""
    definition = installation.services.get(service)
    if definition is None or installation.compose_file is None:
        return None
    wanted = container_dir.rstrip("/") or "/"
    best: tuple[int, Path] | None = None
    for volume in definition.volumes:
        source, target = split_volume(volume)
        target = target.rstrip("/") or "/"
        if not source.startswith((".", "/", "~")) or not target.startswith("/"):
            continue  # a named volume (or no source): not a host directory
        if wanted != target and not wanted.startswith(target.rstrip("/") + "/"):
            continue
        rest = wanted[len(target):].lstrip("/")
        place = installation.compose_file.parent / os.path.expanduser(source)
        if best is None or len(target) > best[0]:
            best = (len(target), Path(os.path.normpath(place / rest if rest else place)))
    return best[1] if best else None


def sf_api_config_in_container(installation: Installation) -> str | None:
    """Where sf-api reads configs/findface-sf-api/findface-sf-api.yaml (None: not mounted)."""
    return container_path(installation, installation.sf_api_service,
                          installation.root / SF_API_CONFIG)
