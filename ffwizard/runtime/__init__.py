"""Runtimes: the only way out to the world (docker: a real Engine; sim: the demo installation)."""

from __future__ import annotations

from pathlib import Path

from ffwizard.runtime.base import Runtime


def open_runtime_for(installation, kind: str, runtime: Runtime | None = None) -> Runtime:
    """The runtime of a detected installation (or `runtime` when one is already open), with the
    installation's compose command set to the one the runtime sees managing the project, so
    plans show the commands and container names this host really uses."""
    if runtime is None:
        if kind == "sim":
            from ffwizard.demo.sandbox import require_sandbox

            require_sandbox(installation.root)  # else: "Available for face: none"
        compose_file = installation.compose_file or installation.root / "docker-compose.yaml"
        runtime = open_runtime(kind, installation.root, installation.project, compose_file)
    installation.compose_command = runtime.compose_command_in_use() or installation.compose_command
    return runtime


def open_runtime(kind: str, root: Path, project: str, compose_file: Path) -> Runtime:
    """The runtime named `kind` ("docker" or "sim") for the install at `root`."""
    if kind == "sim":
        from ffwizard.runtime.sim import SimRuntime

        return SimRuntime(root=root, project=project, compose_file=compose_file)
    if kind == "docker":
        from ffwizard.runtime.docker import DockerRuntime

        return DockerRuntime(root=root, project=project, compose_file=compose_file)
    raise ValueError(f"unknown runtime {kind!r}")
