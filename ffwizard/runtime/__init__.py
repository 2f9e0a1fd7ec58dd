"""Runtimes: the only way out to the world (docker: a real Engine; sim: the demo installation).

Both implement the core's `ffwizard.core.ports.Runtime` Protocol.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ffwizard.core.errors import RuntimeUnavailable
from ffwizard.core.installation import Installation
from ffwizard.core.ports import Runtime
from ffwizard.core.projectname import project_in_use

RUNTIME_KINDS = ("docker", "sim")


def open_runtime_for(installation: Installation, kind: str,
                     runtime: Runtime | None = None) -> tuple[Runtime, Installation]:
    """The runtime of a detected installation (or `runtime` when one is already open), and the
    installation as that runtime sees it: a copy whose compose command is the one the runtime
    sees managing the project, and whose project is the one the running containers' labels
    name (detection only guessed it from the files), so plans show the commands and container
    names this host really uses. The detected installation itself is left as it was."""
    compose_file = installation.compose_file or installation.root / "docker-compose.yaml"
    opened_here = runtime is None
    if runtime is None:
        if kind == "sim":
            from ffwizard.demo.sandbox import require_sandbox  # lazy: the demo only for sim

            require_sandbox(installation.root)  # else: "Available for face: none"
        runtime = open_runtime(kind, installation.root, installation.project, compose_file)
    # The project the running containers belong to, by their labels (never a guess).
    try:
        labelled = runtime.projects_at_root()
    except RuntimeUnavailable:
        labelled = []  # preflight says the runtime does not answer
    project = project_in_use(installation.root, compose_file, installation.project, labelled)
    if project != installation.project:
        installation = replace(installation, project=project)
        if opened_here:
            runtime = open_runtime(kind, installation.root, project, compose_file)
    in_use = runtime.compose_command_in_use()
    if in_use and in_use != installation.compose_command:
        installation = replace(installation, compose_command=in_use)
    return runtime, installation


def open_runtime(kind: str, root: Path, project: str, compose_file: Path) -> Runtime:
    """The runtime named `kind` ("docker" or "sim") for the install at `root`."""
    if kind == "sim":
        from ffwizard.runtime.sim import SimRuntime  # lazy: the demo's programs only for sim

        return SimRuntime(root=root, project=project, compose_file=compose_file)
    if kind == "docker":
        from ffwizard.runtime.docker import DockerRuntime  # lazy: docker's SDK only for docker

        return DockerRuntime(root=root, project=project, compose_file=compose_file)
    raise ValueError(f"unknown runtime {kind!r}")
