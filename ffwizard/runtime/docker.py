"""The Docker runtime: a compose project's services on a Docker Engine.

The Engine API (through the `docker` SDK) does everything on containers: find them, exec, copy,
restart, remove. Compose itself (`up -d`, `--remove-orphans`) goes through the compose CLI,
`docker compose` (v2) or `docker-compose` (v1), because only compose knows the file's semantics.

Containers are found by their compose labels, never by name: v2 names a container
`<project>-<service>-1`, v1 `<project>_<service>_1`, and users rename projects.
"""

from __future__ import annotations

import io
import os
import posixpath
import select
import shutil
import signal
import struct
import subprocess
import tarfile
import tempfile
import threading
import time
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ffwizard.core.compose import compose_argv, parse_compose_version
from ffwizard.core.errors import RuntimeUnavailable, UserError
from ffwizard.core.ports import ExecResult, ServiceState, ServiceStateName
from ffwizard.i18n import _
from ffwizard.runtime.base import BaseRuntime

if TYPE_CHECKING:  # the SDK is imported only when the runtime is used
    import docker

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
ONEOFF_LABEL = "com.docker.compose.oneoff"
VERSION_LABEL = "com.docker.compose.version"
WORKING_DIR_LABEL = "com.docker.compose.project.working_dir"
CONFIG_FILES_LABEL = "com.docker.compose.project.config_files"
ADDRESS_TTL = 2.0  # seconds a container's address is trusted (a recreated one gets another)
DEFAULT_ENGINE_URL = "unix:///var/run/docker.sock"
API_TIMEOUT = 30.0  # seconds, for quick Engine API calls (list, inspect, copy)
COMPOSE_TIMEOUT = 600.0  # `compose up` may start many containers on a slow box
RESTART_WAIT = 60.0

# Engine states mapped to the runtime's vocabulary; a paused or dead container serves nothing.
_STATE_NAMES: dict[str, ServiceStateName] = {
    "running": "running", "restarting": "restarting", "created": "created",
    "exited": "exited", "dead": "exited", "removing": "exited", "paused": "exited",
}


class DockerRuntime(BaseRuntime):
    kind = "docker"

    def __init__(self, root: Path, project: str, compose_file: Path, *,
                 compose_command: list[str] | None = None, engine_url: str | None = None,
                 client: docker.DockerClient | None = None):
        """`compose_command`: ["docker", "compose"] or ["docker-compose"]; None: the one that made
        the project's containers (their version label), else v2 when installed, else v1.
        `engine_url`: the Engine's address; None reads DOCKER_HOST like the docker CLI does."""
        super().__init__(root, project, compose_file)
        self.engine_url = engine_url
        self._compose_command = list(compose_command) if compose_command else None
        self._compose_version: tuple[int, ...] | None = None
        self._compose_version_asked = False
        self._client = client
        # The SDK's client is not documented as safe to share between threads (docker-py
        # #3229; #3409: concurrent execs stuck): callers that ask at once (preflight's tool
        # probes) get one exec at a time here.
        self._exec_lock = threading.Lock()

    # --- the Engine ----------------------------------------------------------------------------
    @property
    def engine_address(self) -> str:
        return self.engine_url or os.environ.get("DOCKER_HOST") or DEFAULT_ENGINE_URL

    def _unavailable(self, err: object | None = None) -> RuntimeUnavailable:
        if err is not None and "permission denied" in str(err).lower():
            return RuntimeUnavailable(
                _("You may not use the Docker Engine at {address}: run ffwizard as root (or as a "
                  "member of the docker group).").format(address=self.engine_address))
        return RuntimeUnavailable(
            _("The Docker Engine does not answer at {address}: start it (systemctl start "
              "docker) and try again.").format(address=self.engine_address),
            hint=f"({_first_line(err)})" if err else None)

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            import docker  # lazy: the SDK only when the Engine is used

            try:
                if self.engine_url:
                    self._client = docker.DockerClient(base_url=self.engine_url, timeout=API_TIMEOUT)
                else:
                    self._client = docker.from_env(timeout=API_TIMEOUT)
            except docker.errors.DockerException as err:
                raise self._unavailable(err) from None
        return self._client

    def ping(self) -> None:
        import docker  # lazy: the SDK only when the Engine is used
        import requests  # lazy: comes with the docker SDK

        try:
            self.client.ping()
        except (docker.errors.DockerException, requests.RequestException) as err:
            raise self._unavailable(err) from None

    # --- finding containers --------------------------------------------------------------------
    def _project_containers(self, service: str | None = None) -> list:
        import docker  # lazy: the SDK only when the Engine is used
        import requests  # lazy: comes with the docker SDK

        labels = [f"{PROJECT_LABEL}={self.project}"]
        if service is not None:
            labels.append(f"{SERVICE_LABEL}={service}")
        try:
            # ignore_removed: a container removed between the listing and its inspection is no error.
            found = self.client.containers.list(all=True, filters={"label": labels}, ignore_removed=True)
        except docker.errors.APIError as err:
            raise UserError(_("The Docker Engine at {address} could not list the containers of "
                              "the project {project}: {reason}").format(
                                  address=self.engine_address, project=self.project,
                                  reason=_explain(err))) from None
        except (docker.errors.DockerException, requests.RequestException) as err:
            raise self._unavailable(err) from None
        # One-off containers (`compose run`) are not the service.
        return [c for c in found if c.labels.get(ONEOFF_LABEL, "False") != "True"]

    def services(self) -> dict[str, ServiceState]:
        by_service: dict[str, ServiceState] = {}
        for container in sorted(self._project_containers(), key=lambda c: c.name):
            service = container.labels.get(SERVICE_LABEL)
            if not service:
                continue
            state = service_state(service, container)
            known = by_service.get(service)
            # With several containers (scaled service), report a running one if any.
            if known is None or (known.state != "running" and state.state == "running"):
                by_service[service] = state
        return by_service

    def _container(self, service: str, *, running: bool = True):
        """The container of `service`; a plain error when it is missing or (if `running`) stopped."""
        containers = self._project_containers(service)
        if not containers:
            raise UserError(
                _("The service {service} of the compose project {project} has no container on "
                  "the Docker Engine at {address}.").format(
                      service=service, project=self.project, address=self.engine_address),
                hint=_("Start it with: {command}").format(
                    command=" ".join(self.compose_display_argv("up", "-d", service))))
        running_ones = [c for c in containers if c.status == "running"]
        if running_ones:
            return sorted(running_ones, key=lambda c: c.name)[0]
        if running:
            container = containers[0]
            raise UserError(
                # TRANSLATORS: {state} is the engine's word (exited, created, paused...).
                _("The container {container} of the service {service} is {state}, not "
                  "running.").format(container=container.name, service=service,
                                     state=container.status),
                hint=_("Start it with: docker start {container}, or look at why it stopped: "
                       "docker logs {container}").format(container=container.name))
        return containers[0]

    def service_address(self, service: str) -> str | None:
        """The address of the service's running container on its network (the project's own
        first), found by the service name, the container name or a network alias."""
        cached = self.__dict__.get("_addresses")
        if cached is None or time.monotonic() - cached[0] > ADDRESS_TTL \
                or service not in cached[1]:
            cached = (time.monotonic(), self._container_addresses())
            self.__dict__["_addresses"] = cached
        return cached[1].get(service)

    def _container_addresses(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for container in self._project_containers():
            if container.status != "running":
                continue
            networks = (container.attrs.get("NetworkSettings") or {}).get("Networks") or {}
            ordered = sorted(networks.items(), key=lambda item: not item[0].startswith(self.project))
            for _name, network in ordered:
                address = network.get("IPAddress")
                if not address:
                    continue
                names = [container.labels.get(SERVICE_LABEL), container.name,
                         *(network.get("Aliases") or [])]
                for name in names:
                    if name:
                        found.setdefault(name, address)
                break
        return found

    def projects_at_root(self) -> list[str]:
        """The projects of the running containers whose compose labels name this root as their
        working directory, or this compose file among their config files."""
        import docker  # lazy: the SDK only when the Engine is used
        import requests  # lazy: comes with the docker SDK

        root = os.path.realpath(self.root)
        compose_file = os.path.realpath(self.compose_file)
        try:
            containers = self.client.containers.list(filters={"label": PROJECT_LABEL},
                                                     ignore_removed=True)
        except docker.errors.APIError:
            return []
        except (docker.errors.DockerException, requests.RequestException) as err:
            raise self._unavailable(err) from None
        projects: list[str] = []
        for container in containers:
            labels = container.labels
            working_dir = labels.get(WORKING_DIR_LABEL, "")
            files = [f.strip() for f in labels.get(CONFIG_FILES_LABEL, "").split(",") if f.strip()]
            at_root = bool(working_dir) and os.path.realpath(working_dir) == root
            from_file = any(os.path.realpath(os.path.join(working_dir or root, f)) == compose_file
                            for f in files)
            project = labels.get(PROJECT_LABEL)
            if (at_root or from_file) and project and project not in projects:
                projects.append(project)
        return sorted(projects)

    def container_name(self, service: str) -> str:
        """The real name of the service's container (for commands shown to the user)."""
        return self._container(service, running=False).name

    # --- acting inside a container -------------------------------------------------------------
    def exec(self, service: str, argv: list[str], *, workdir: str | None = None,
             timeout: float | None = None) -> ExecResult:
        with self._exec_lock:
            return self._exec(service, argv, workdir=workdir, timeout=timeout)

    def _exec(self, service: str, argv: list[str], *, workdir: str | None,
              timeout: float | None) -> ExecResult:
        _check_argv(argv)
        import docker  # lazy: the SDK only when the Engine is used
        import requests  # lazy: comes with the docker SDK

        container = self._container(service)
        api = self.client.api
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            exec_id = api.exec_create(container.id, argv, stdout=True, stderr=True, tty=False,
                                      workdir=workdir)["Id"]
            stream = api.exec_start(exec_id, tty=False, socket=True)
            try:
                output = _read_multiplexed(stream, deadline)
            finally:
                stream.close()
            exit_code = _wait_exit_code(api, exec_id)
        except TimeoutError:
            raise UserError(
                _("`{command}` in {container} did not finish within {seconds} s.").format(
                    command=" ".join(argv), container=container.name, seconds=f"{timeout:g}"),
                hint=_("It may still be running inside the container: docker top "
                       "{container}").format(container=container.name)) from None
        except docker.errors.APIError as err:
            raise UserError(_("Could not run `{command}` in {container}: {reason}").format(
                command=" ".join(argv), container=container.name, reason=_explain(err))) from None
        except (requests.RequestException, OSError) as err:
            raise self._unavailable(err) from None
        return ExecResult(exit_code=exit_code, output=output.decode("utf-8", "replace"))

    def detached_host_argv(self, service: str, argv: list[str], *, workdir: str | None = None) -> list[str]:
        """`docker exec` in the foreground; the executor detaches it on the host.

        On the Engine, a process started by `docker exec` belongs to the container, not to the
        CLI: when the CLI dies (SIGKILL, a dropped SSH session), the process goes on until it
        ends by itself, and the engine keeps draining what it prints (that output is lost, so
        progress is measured by counting objects, never from the log alone).
        tests/docker/test_docker_runtime_engine.py proves it on a real engine."""
        _check_argv(argv)
        container = self._container(service)
        host = ["-H", self.engine_url] if self.engine_url else []
        where = ["-w", workdir] if workdir else []
        return ["docker", *host, "exec", *where, container.name, *argv]

    def stop_detached(self, service: str, argv: list[str]) -> int:
        """Stop the running `docker exec` instances of exactly `argv` in the service's container.

        Killing the host-side CLI does not stop them (see detached_host_argv); the Engine API
        has no call to signal an exec, so its process is signalled by its host pid, which the
        API reports. That needs the engine on this host, as on every FindFace site."""
        import docker  # lazy: the SDK only when the Engine is used
        import requests  # lazy: comes with the docker SDK

        try:
            container = self._container(service, running=False)
            container.reload()
            if container.status != "running":
                return 0
            api = self.client.api
            pids = []
            for exec_id in container.attrs.get("ExecIDs") or []:
                info = api.exec_inspect(exec_id)
                config = info.get("ProcessConfig") or {}
                if info.get("Running") and [config.get("entrypoint"), *(config.get("arguments") or [])] == list(argv):
                    pids.append(int(info["Pid"]))
        except docker.errors.APIError as err:
            raise UserError(_("Could not look for `{command}` in the {service} container: "
                              "{reason}").format(command=" ".join(argv), service=service,
                                                 reason=_explain(err))) from None
        except (requests.RequestException, OSError) as err:
            raise self._unavailable(err) from None
        if pids and self.engine_url and not self.engine_url.startswith("unix://"):
            raise UserError(_("`{command}` still runs in the {service} container on the remote "
                              "engine {address}; stop it there (docker top, then kill).").format(
                                  command=" ".join(argv), service=service,
                                  address=self.engine_address))
        for pid in pids:
            _terminate(pid)
        return len(pids)

    def copy_out(self, service: str, container_path: str, host_dir: Path) -> Path:
        import docker  # lazy: the SDK only when the Engine is used

        container = self._container(service, running=False)
        host_dir = Path(host_dir)
        host_dir.mkdir(parents=True, exist_ok=True)
        name = PurePosixPath(container_path.rstrip("/") or "/").name
        if not name:
            raise UserError(_("Cannot copy the whole file system of {container}; name a "
                              "path.").format(container=container.name))
        import requests  # lazy: comes with the docker SDK

        try:
            chunks, _stat = container.get_archive(container_path, chunk_size=1 << 20)
            reader = io.BufferedReader(_ChunkReader(chunks), 1 << 20)
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                safe_extract(tar, host_dir)
        except docker.errors.NotFound:
            raise UserError(_("{path} does not exist in the container {container}.").format(
                path=container_path, container=container.name)) from None
        except docker.errors.APIError as err:
            raise UserError(_("Could not copy {path} out of {container}: {reason}").format(
                path=container_path, container=container.name, reason=_explain(err))) from None
        except (requests.RequestException, tarfile.TarError) as err:
            raise UserError(_("Copying {path} out of {container} broke off ({reason}); nothing "
                              "was kept.").format(path=container_path, container=container.name,
                                                  reason=_first_line(err))) from None
        except OSError as err:
            raise UserError(_("Could not write {path} of {container} into {directory}: {reason}; "
                              "nothing was kept.").format(
                                  path=container_path, container=container.name,
                                  directory=host_dir, reason=err.strerror or err)) from None
        return host_dir / name

    def copy_in(self, service: str, host_path: Path, container_dir: str) -> None:
        import docker  # lazy: the SDK only when the Engine is used

        host_path = Path(host_path)
        if not host_path.exists():
            raise UserError(_("{path} does not exist on this machine; nothing to copy.").format(
                path=host_path))
        container = self._container(service, running=False)
        with tempfile.TemporaryFile() as archive:
            with tarfile.open(fileobj=archive, mode="w:") as tar:
                tar.add(str(host_path), arcname=host_path.name)
            archive.seek(0)
            try:
                ok = container.put_archive(container_dir, archive.read())
            except docker.errors.NotFound:
                raise UserError(_("The directory {directory} does not exist in the container "
                                  "{container}.").format(directory=container_dir,
                                                         container=container.name)) from None
            except docker.errors.APIError as err:
                raise UserError(_("Could not copy {path} into {container}:{directory}: "
                                  "{reason}").format(path=host_path, container=container.name,
                                                     directory=container_dir,
                                                     reason=_explain(err))) from None
        if not ok:
            raise UserError(_("The Docker Engine refused to copy {path} into "
                              "{container}:{directory}.").format(
                                  path=host_path, container=container.name,
                                  directory=container_dir))

    def path_exists(self, service: str, container_path: str) -> bool:
        result = self.exec(service, ["test", "-e", container_path], timeout=API_TIMEOUT)
        if result.exit_code in (0, 1):
            return result.exit_code == 0
        raise UserError(_("Could not check whether {path} exists in the service {service}: "
                          "`test` exited with status {code}. {output}").format(
                              path=container_path, service=service, code=result.exit_code,
                              output=result.output.strip()))

    def list_files(self, service: str, container_dir: str, suffix: str = "") -> list[str]:
        top = container_dir.rstrip("/") or "/"
        # `! -type d`: files and symlinks (model files are often links); GNU and busybox find.
        result = self.exec(service, ["find", top, "!", "-type", "d"], timeout=API_TIMEOUT)
        if result.exit_code != 0:
            if not self.path_exists(service, top):
                return []
            raise UserError(_("Could not list {directory} in the service {service}: find exited "
                              "with status {code}. {output}").format(
                                  directory=top, service=service, code=result.exit_code,
                                  output=result.output.strip()))
        prefix = top if top.endswith("/") else top + "/"
        found = [line[len(prefix):] for line in result.output.splitlines() if line.startswith(prefix)]
        return sorted(path for path in found if path.endswith(suffix))

    # --- acting on containers ------------------------------------------------------------------
    def restart(self, service: str) -> None:
        import docker  # lazy: the SDK only when the Engine is used
        import requests  # lazy: comes with the docker SDK

        container = self._container(service, running=False)
        try:
            container.restart(timeout=10)
        except (docker.errors.APIError, requests.RequestException) as err:
            raise UserError(_("Could not restart {container}: {reason}").format(
                container=container.name, reason=_explain(err))) from None
        deadline = time.monotonic() + RESTART_WAIT
        while True:
            container.reload()
            if container.status == "running":
                return
            if time.monotonic() > deadline:
                raise UserError(
                    _("{container} did not come back after a restart (it is {state}).").format(
                        container=container.name, state=container.status),
                    hint=_("Look at why: docker logs --tail 50 {container}").format(
                        container=container.name))
            time.sleep(0.2)

    def remove_services(self, services: list[str]) -> None:
        import docker  # lazy: the SDK only when the Engine is used
        import requests  # lazy: comes with the docker SDK

        for service in services:
            for container in self._project_containers(service):
                try:
                    container.stop(timeout=10)
                    container.remove()  # never its volumes: data lives in bind mounts and stays
                except docker.errors.NotFound:
                    continue  # already gone: what we wanted
                except (docker.errors.APIError, requests.RequestException) as err:
                    raise UserError(_("Could not remove {container} (service {service}): "
                                      "{reason}").format(container=container.name,
                                                         service=service,
                                                         reason=_explain(err))) from None

    def stop_services(self, services: list[str]) -> None:
        self._each_container(services, "stop")

    def start_services(self, services: list[str]) -> None:
        self._each_container(services, "start")

    def _each_container(self, services: list[str], action: str) -> None:
        """`compose stop`/`compose start` of each service's containers, through the Engine."""
        import docker  # lazy: the SDK only when the Engine is used
        import requests  # lazy: comes with the docker SDK

        for service in services:
            for container in self._project_containers(service):
                try:
                    if action == "stop":
                        container.stop(timeout=10)
                    else:
                        container.start()
                except docker.errors.NotFound:
                    continue
                except (docker.errors.APIError, requests.RequestException) as err:
                    sentence = (_("Could not stop {container} (service {service}): {reason}")
                                if action == "stop" else
                                _("Could not start {container} (service {service}): {reason}"))
                    raise UserError(sentence.format(container=container.name, service=service,
                                                    reason=_explain(err))) from None

    # --- compose -------------------------------------------------------------------------------
    @property
    def compose_command(self) -> list[str]:
        if self._compose_command is None:
            self._compose_command = working_compose_command(self._compose_major_in_use())
        return self._compose_command

    def compose_command_in_use(self) -> list[str] | None:
        try:
            return list(self.compose_command)
        except UserError:
            return None

    def _compose_major_in_use(self) -> str | None:
        """"1" or "2": the compose that made the project's containers (their version label).

        Keep using that one: the other would not recognise the containers as its own and
        recreate them under other names."""
        try:
            containers = self._project_containers()
        except UserError:
            return None
        versions = {c.labels.get(VERSION_LABEL, "")[:1] for c in containers} - {""}
        return versions.pop() if len(versions) == 1 else None

    @property
    def compose_version(self) -> tuple[int, ...] | None:
        """What the compose command in use says its version is (None: it would not say)."""
        if not self._compose_version_asked:
            self._compose_version = compose_version_of(self.compose_command)
            self._compose_version_asked = True
        return self._compose_version

    def compose_display_argv(self, *args: str) -> list[str]:
        version = self.compose_version if self._compose_command else None
        return compose_argv(self._compose_command, self.project, self.compose_file, *args,
                            version=version)

    def compose_argv(self, *args: str) -> list[str]:
        # The project directory is the compose file's, as when the user runs compose there:
        # relative volume paths and the .env file resolve the same way.
        host = ["-H", self.engine_url] if self.engine_url and self.compose_command[0] == "docker" else []
        command = [*self.compose_command[:1], *host, *self.compose_command[1:]]
        return compose_argv(command, self.project, self.compose_file,
                            "--project-directory", str(self.compose_file.parent), *args,
                            version=self.compose_version)

    def compose_up(self, *, remove_orphans: bool = False,
                   services: list[str] | None = None) -> ExecResult:
        args = ["up", "-d"]
        if remove_orphans:
            args.append("--remove-orphans")
        named = list(services or [])  # (measured: v1 and v2 remove orphans with names given too)
        if self.compose_command == ["docker", "compose"]:
            # Never reach for a registry (v1 has no such flag; it pulls only missing images).
            result = self._run_compose([*args, "--pull", "never", *named])
            if "unknown flag: --pull" not in result.output:
                return result  # else a compose v2 older than the flag: the same without it
        return self._run_compose([*args, *named])

    def _run_compose(self, args: list[str]) -> ExecResult:
        argv = self.compose_argv(*args)
        env = dict(os.environ)
        if self.engine_url:
            env["DOCKER_HOST"] = self.engine_url
        try:
            done = subprocess.run(argv, cwd=self.compose_file.parent, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=COMPOSE_TIMEOUT, check=False)
        except FileNotFoundError:
            raise UserError(_("{program} is not installed on this machine.").format(
                program=argv[0]),
                hint=_("Install compose (apt-get install docker-compose) and try again.")) from None
        except subprocess.TimeoutExpired:
            raise UserError(_("`{command}` did not finish within {seconds} s.").format(
                command=" ".join(self.compose_display_argv(*args)),
                seconds=f"{COMPOSE_TIMEOUT:g}")) from None
        return ExecResult(exit_code=done.returncode, output=done.stdout.decode("utf-8", "replace"))


def _terminate(pid: int, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds if the process is still there."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def compose_version_of(command: list[str]) -> tuple[int, ...] | None:
    """Ask `command` its version (`version --short`, which v1 and v2 both know)."""
    try:
        done = subprocess.run([*command, "version", "--short"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return parse_compose_version(done.stdout.decode("utf-8", "replace"))


def working_compose_command(major_in_use: str | None = None) -> list[str]:
    """The compose CLI that runs here (each candidate asked for its version; compare
    `core.compose.installed_compose_command`, which only looks for files). The one to use: the one whose major version made the project's containers when
    it is installed, else ["docker", "compose"] (v2) when installed, else ["docker-compose"] (v1)."""
    candidates = [["docker", "compose"], ["docker-compose"]]
    if major_in_use == "1":
        candidates.reverse()
    for candidate in candidates:
        if shutil.which(candidate[0]) is None:
            continue
        try:
            done = subprocess.run([*candidate, "version"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return candidate
    raise UserError(_("Neither `docker compose` (compose v2) nor `docker-compose` (compose v1) "
                      "is installed on this machine."),
                    hint=_("Install one (apt-get install docker-compose) and try again."))


def service_state(service: str, container) -> ServiceState:
    # The name the container was created from (an image may carry many tags).
    image = container.attrs.get("Config", {}).get("Image") or None
    return ServiceState(service=service, container=container.name,
                        state=_STATE_NAMES.get(container.status, "exited"), image=image)


class _ChunkReader(io.RawIOBase):
    """A file object over an iterator of byte chunks (the Engine's archive stream)."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def safe_extract(tar: tarfile.TarFile, destination: Path) -> None:
    """Extract `tar` (possibly a stream, mode "r|") under `destination`, refusing anything that
    would land outside it: absolute names, `..` components, links pointing outside or written
    through, device files.

    One pass, so a dump of many gigabytes is never held twice on disk; each member is checked
    before it is written, and on any failure (a refused member, a full disk, a broken stream)
    everything this call created is removed again: a bad archive leaves nothing behind."""
    destination = Path(destination).resolve()
    created: list[Path] = []
    links: set[str] = set()
    try:
        for member in tar:
            _check_member(member, destination)
            name = posixpath.normpath(member.name)
            if any(str(parent) in links for parent in PurePosixPath(name).parents):
                raise UserError(_("The archive from the container writes through a link "
                                  "({name}); refused.").format(name=member.name))
            if member.issym():
                links.add(name)
            _extract_member(tar, member, destination, created)
    except BaseException:
        for path in reversed(created):
            try:
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()
                else:
                    path.unlink()
            except OSError:
                pass
        raise


def _extract_member(tar: tarfile.TarFile, member: tarfile.TarInfo, destination: Path,
                    created: list[Path]) -> None:
    target = destination / member.name
    _make_dirs(target.parent, destination, created)
    if not _inside(target.parent.resolve(), destination):
        raise UserError(_("{path} lies outside {directory} on this machine; refused.").format(
            path=target, directory=destination))
    existed = target.exists() or target.is_symlink()
    if member.isdir():
        _make_dirs(target, destination, created)
        os.chmod(target, (member.mode & 0o7777) | 0o700)
        return
    if not (member.issym() or member.islnk() or member.isfile()):
        return  # fifos and the like: a dump holds files, directories and links
    if existed and target.is_dir() and not target.is_symlink():
        raise UserError(_("{path} is a directory on this machine; the archive has a file "
                          "there; refused.").format(path=target))
    if member.isfile():
        source = tar.extractfile(member)
        assert source is not None
        tmp = target.with_name(f".{target.name}.ffwizard-tmp")
        created.append(tmp)
        with open(tmp, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        os.chmod(tmp, member.mode & 0o7777)
        os.replace(tmp, target)
        created.remove(tmp)
    else:
        if existed:
            target.unlink()
        if member.issym():
            os.symlink(member.linkname, target)
        else:
            os.link(destination / member.linkname, target)
    if not existed:
        created.append(target)


def _make_dirs(directory: Path, destination: Path, created: list[Path]) -> None:
    missing = []
    while not (directory.exists() or directory.is_symlink()) and directory != destination:
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir()
        created.append(path)


def _check_member(member: tarfile.TarInfo, destination: Path) -> None:
    name = member.name
    if name.startswith("/") or PurePosixPath(name).is_absolute():
        raise UserError(_("The archive from the container holds an absolute path ({name}); "
                          "refused.").format(name=name))
    if ".." in PurePosixPath(name).parts:
        raise UserError(_("The archive from the container holds a path escaping its directory "
                          "({name}); refused.").format(name=name))
    if member.ischr() or member.isblk():
        raise UserError(_("The archive from the container holds a device file ({name}); "
                          "refused.").format(name=name))
    if member.issym() or member.islnk():
        link = member.linkname
        if member.issym():
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), link))
        else:
            resolved = posixpath.normpath(link)
        if link.startswith("/") or resolved == ".." or resolved.startswith("../"):
            raise UserError(_("The archive from the container holds a link escaping its "
                              "directory ({name} -> {link}); refused.").format(name=name,
                                                                             link=link))
    if not _inside((destination / name).resolve(), destination):
        raise UserError(_("The archive from the container would write outside {directory} "
                          "({name}); refused.").format(directory=destination, name=name))


def _inside(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def _check_argv(argv: list[str]) -> None:
    if isinstance(argv, str) or not argv or not all(isinstance(a, str) for a in argv):
        raise TypeError("argv must be a non-empty list of strings")


def _read_multiplexed(stream, deadline: float | None) -> bytes:
    """Read an exec's output stream to its end: frames of an 8-byte header (stream, 0, 0, 0,
    big-endian length) then the payload; stdout and stderr kept in the order they came.

    The SDK's own reader waits without limit; this one stops at `deadline` (TimeoutError)."""
    sock = getattr(stream, "_sock", stream)
    sock.settimeout(None)
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN | select.POLLPRI | select.POLLHUP)
    raw = bytearray()
    while True:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                raise TimeoutError
        chunk = sock.recv(65536)
        if not chunk:
            break
        raw += chunk
    output = bytearray()
    position = 0
    while position + 8 <= len(raw):
        (length,) = struct.unpack(">L", raw[position + 4:position + 8])
        output += raw[position + 8:position + 8 + length]
        position += 8 + length
    return bytes(output)


def _wait_exit_code(api, exec_id: str) -> int:
    """The exit code; the engine may register the end a moment after the stream closes."""
    for attempt in range(200):
        code = api.exec_inspect(exec_id)["ExitCode"]
        if code is not None:
            return int(code)
        time.sleep(0.005 if attempt < 20 else 0.05)
    raise UserError(_("The Docker Engine did not report how the command ended."))


def _explain(err: object) -> str:
    explanation = getattr(err, "explanation", None)
    return _first_line(explanation or err)


def _first_line(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__
