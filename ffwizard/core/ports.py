"""The runtime as the core sees it: the only way out to the installation's services.

The core (plans, preflight, the executor, verification) is written against this Protocol and
never imports a runtime; `ffwizard.runtime` implements it twice (docker: the Engine API and the
compose CLI; sim: the demo's services as real processes on loopback). Files on the host
(configs, data dirs, the run directory) are touched by the core directly.

Every method raises `ffwizard.core.errors.UserError` (or a subclass) with a plain sentence on
failure; argv values are lists, never shell strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

ServiceStateName = Literal["running", "restarting", "exited", "created", "missing"]


@dataclass(frozen=True)
class ServiceState:
    """A service of the compose project as the runtime sees it."""

    service: str
    container: str | None  # container name (docker) or process label (sim); None when missing
    state: ServiceStateName
    image: str | None = None


@dataclass(frozen=True)
class ExecResult:
    """How a command run in a service ended, and what it printed."""

    exit_code: int
    output: str  # stdout and stderr interleaved, decoded as UTF-8 with replacement


@dataclass(frozen=True)
class HttpAnswer:
    """The answer to a GET (status 0: nothing answered, `error` says why)."""

    status: int  # 0 when nothing answered
    body: bytes = b""
    error: str | None = None  # why nothing answered

    @property
    def answered(self) -> bool:
        return self.status > 0


@runtime_checkable
class Runtime(Protocol):
    """The services of one compose project rooted at `root`."""

    kind: str
    root: Path
    project: str
    compose_file: Path

    # --- looking ---------------------------------------------------------------------------
    def ping(self) -> None:
        """Raise RuntimeUnavailable with a plain sentence when the runtime does not answer."""

    def services(self) -> dict[str, ServiceState]:
        """State of every service of the project that has (or had) a container/process."""

    def http_get(self, url: str, timeout: float = 5.0) -> HttpAnswer:
        """GET `url` from where the services are reachable (through `reachable_url`)."""

    def reachable_url(self, url: str) -> str:
        """`url` as ffwizard reaches it from where it runs. A service name as host (shards on
        container addresses, `http://findface-tarantool-server-shard-001:8001/v2/`, resolve
        only inside the compose network) becomes that service's address (docker: the
        container's address on its network; sim: the simulated service's loopback address);
        any other URL is returned as it is. Configs keep the service-name URLs."""

    def projects_at_root(self) -> list[str]:
        """The compose projects whose running containers say (by their labels
        `com.docker.compose.project.working_dir` / `.config_files`) that they were started from
        this install root; empty when no container runs or the runtime cannot tell."""

    def path_exists(self, service: str, container_path: str) -> bool:
        """Whether a path exists inside `service` (e.g. a model file in extraction-api)."""

    def list_files(self, service: str, container_dir: str, suffix: str = "") -> list[str]:
        """Files under `container_dir` inside `service` (recursive, relative paths, sorted)."""

    def compose_command_in_use(self) -> list[str] | None:
        """The compose command that manages the project, when the runtime can tell."""

    def compose_display_argv(self, *args: str) -> list[str]:
        """How a compose call reads as a command, for plans and logs."""

    # --- acting ----------------------------------------------------------------------------
    def exec(self, service: str, argv: list[str], *, workdir: str | None = None,
             timeout: float | None = None) -> ExecResult:
        """Run `argv` inside `service` and wait for it."""

    def detached_host_argv(self, service: str, argv: list[str], *,
                           workdir: str | None = None) -> list[str]:
        """A host argv that runs `argv` inside `service` in the foreground, output on stdout."""

    def stop_detached(self, service: str, argv: list[str]) -> int:
        """Stop what `detached_host_argv(service, argv)` started; return how many processes."""

    def copy_out(self, service: str, container_path: str, host_dir: Path) -> Path:
        """Copy a file or directory out of `service` into `host_dir`; return the host path."""

    def copy_in(self, service: str, host_path: Path, container_dir: str) -> None:
        """Copy a host file or directory into `container_dir` inside `service`."""

    def restart(self, service: str) -> None:
        """Restart one service and return once its process/container is running again."""

    def compose_up(self, *, remove_orphans: bool = False,
                   services: list[str] | None = None) -> ExecResult:
        """`compose up -d` of the project's compose file (optionally `--remove-orphans`);
        with `services`, only those (and what they depend on) are started."""

    def stop_services(self, services: list[str]) -> None:
        """Stop the containers/processes of `services`, keeping them (`compose stop`)."""

    def start_services(self, services: list[str]) -> None:
        """Start the stopped containers/processes of `services` again (`compose start`)."""

    def remove_services(self, services: list[str]) -> None:
        """Stop and remove the containers/processes of `services` (rollback of new shards)."""
