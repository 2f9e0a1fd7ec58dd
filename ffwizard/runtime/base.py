"""What both runtimes share: every effect on the installation's services goes through one.

The interface is the core's `ffwizard.core.ports.Runtime` Protocol (and its result types);
`BaseRuntime` is the common part of the two implementations, which satisfy that Protocol.

Two implementations: `docker` (Engine API via the `docker` SDK, compose via the CLI) and `sim`
(the simulated installation of `ffwizard demo`, whose services are real processes on loopback).
Files on the host (configs, data dirs, the run directory) are touched by the core directly;
a runtime deals only with services/containers.

Every method raises `ffwizard.core.errors.UserError` (or a subclass) with a plain sentence on
failure; argv values are lists, never shell strings.
"""

from __future__ import annotations

import ipaddress
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ffwizard.core.compose import DEFAULT_COMPOSE_COMMAND, compose_argv
from ffwizard.core.ports import ExecResult, HttpAnswer, ServiceState, ServiceStateName

if TYPE_CHECKING:
    from ffwizard.runtime.http import KeptConnections

__all__ = ["BaseRuntime", "ExecResult", "HttpAnswer", "ServiceState", "ServiceStateName"]

_HTTP_CLIENT_LOCK = threading.Lock()


class BaseRuntime(ABC):
    """Services of one compose project rooted at `root` (implements `core.ports.Runtime`)."""

    kind: str = "abstract"

    def __init__(self, root: Path, project: str, compose_file: Path):
        self.root = Path(root)
        self.project = project
        self.compose_file = Path(compose_file)

    # --- looking ---------------------------------------------------------------------------
    @abstractmethod
    def ping(self) -> None:
        """Raise RuntimeUnavailable with a plain sentence when the runtime does not answer."""

    @abstractmethod
    def services(self) -> dict[str, ServiceState]:
        """State of every service of the project that has (or had) a container/process."""

    def http_get(self, url: str, timeout: float = 5.0) -> HttpAnswer:
        """GET `url` from where the services' loopback is reachable (the host, for both runtimes).

        The runtime keeps its connections to the services open (`ffwizard.runtime.http`): a
        progress poll of every shard then costs milliseconds instead of a new connection's
        set-up per request. A request that fails on a kept connection (a service restarted
        under it) is tried once more on a new one. Proxies from the environment are ignored:
        the services are local."""
        return self._http_client().get(self.reachable_url(url), timeout=timeout)

    def reachable_url(self, url: str) -> str:
        """`url` as reachable from here (see `core.ports.Runtime.reachable_url`): a URL whose
        host is one of the project's services gets that service's address."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:
            return url
        if not host or _is_address(host) or host == "localhost":
            return url
        address = self.service_address(host)
        if address is None:
            return url
        netloc = f"{address}:{port}" if port else address
        return parts._replace(netloc=netloc).geturl()

    def service_address(self, service: str) -> str | None:
        """The address a service answers on from here (None: unknown)."""
        return None

    def projects_at_root(self) -> list[str]:
        return []

    def _http_client(self) -> KeptConnections:
        client = self.__dict__.get("_kept_connections")
        if client is None:
            from ffwizard.runtime.http import KeptConnections  # lazy: http.client when asked

            with _HTTP_CLIENT_LOCK:
                client = self.__dict__.get("_kept_connections")
                if client is None:
                    client = KeptConnections()
                    self.__dict__["_kept_connections"] = client
        return client

    # --- acting ----------------------------------------------------------------------------
    @abstractmethod
    def exec(self, service: str, argv: list[str], *, workdir: str | None = None,
             timeout: float | None = None) -> ExecResult:
        """Run `argv` inside `service` and wait for it."""

    @abstractmethod
    def detached_host_argv(self, service: str, argv: list[str], *, workdir: str | None = None) -> list[str]:
        """A host argv that runs `argv` inside `service` in the foreground, its output on stdout.

        The executor starts it in a new session (so neither ffwizard's death nor SIGHUP stops
        it), redirects its output to the run's log file and records its exit status.
        """

    def stop_detached(self, service: str, argv: list[str]) -> int:
        """Stop what `detached_host_argv(service, argv)` started, where it runs; return how many
        processes were stopped. Runtimes whose tool dies with its host-side process (sim) have
        nothing more to stop."""
        return 0

    @abstractmethod
    def copy_out(self, service: str, container_path: str, host_dir: Path) -> Path:
        """Copy a file or directory out of `service` into `host_dir`; return the host path."""

    @abstractmethod
    def copy_in(self, service: str, host_path: Path, container_dir: str) -> None:
        """Copy a host file or directory into `container_dir` inside `service`."""

    @abstractmethod
    def path_exists(self, service: str, container_path: str) -> bool:
        """Whether a path exists inside `service` (e.g. a model file in extraction-api)."""

    @abstractmethod
    def list_files(self, service: str, container_dir: str, suffix: str = "") -> list[str]:
        """Files under `container_dir` inside `service` (recursive, relative paths, sorted)."""

    @abstractmethod
    def restart(self, service: str) -> None:
        """Restart one service and return once its process/container is running again."""

    @abstractmethod
    def compose_up(self, *, remove_orphans: bool = False,
                   services: list[str] | None = None) -> ExecResult:
        """`compose up -d` of the project's compose file (optionally `--remove-orphans`);
        with `services`, only those (and what they depend on) are started."""

    @abstractmethod
    def stop_services(self, services: list[str]) -> None:
        """Stop the containers/processes of `services`, keeping them (`compose stop`)."""

    @abstractmethod
    def start_services(self, services: list[str]) -> None:
        """Start the stopped containers/processes of `services` again (`compose start`)."""

    @abstractmethod
    def remove_services(self, services: list[str]) -> None:
        """Stop and remove the containers/processes of `services` (rollback of new shards)."""

    def compose_command_in_use(self) -> list[str] | None:
        """The compose command that manages the project (["docker", "compose"] or
        ["docker-compose"]) when the runtime can tell; plans then show the commands and
        container names that this host really uses."""
        return None

    def compose_display_argv(self, *args: str) -> list[str]:
        """How a compose call reads as a command, for plans and logs."""
        return compose_argv(DEFAULT_COMPOSE_COMMAND, self.project, self.compose_file, *args)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
