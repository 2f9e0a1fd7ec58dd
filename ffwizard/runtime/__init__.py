"""Runtimes: the only way out to the world (docker: a real Engine; sim: the demo installation)."""

from __future__ import annotations

from pathlib import Path

from ffwizard.runtime.base import Runtime


def open_runtime(kind: str, root: Path, project: str, compose_file: Path) -> Runtime:
    """The runtime named `kind` ("docker" or "sim") for the install at `root`."""
    if kind == "sim":
        from ffwizard.runtime.sim import SimRuntime

        return SimRuntime(root=root, project=project, compose_file=compose_file)
    if kind == "docker":
        from ffwizard.runtime.docker import DockerRuntime

        return DockerRuntime(root=root, project=project, compose_file=compose_file)
    raise ValueError(f"unknown runtime {kind!r}")
