"""Simulated containers: which program stands for each compose service, the container
filesystem it sees, and how a `docker exec` argv maps onto a host argv.

Shared by the sim runtime (ffwizard.runtime.sim) and `python -m ffwizard.demo.container_exec`.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from ffwizard.demo import network
from ffwizard.demo.containerfs import ContainerFS
from ffwizard.demo.faults import KNOBS
from ffwizard.demo.lifeline import OWNER_ENV
from ffwizard.i18n import _

PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
NOT_FOUND = 127
# Shell utilities a container has on its PATH; their absolute-path arguments are mapped.
UTILITIES = ("mkdir", "ls", "test", "cat", "rm", "cp", "mv", "du", "df", "true", "stat", "touch")
# Vendor tools by service kind: container path -> module (argv[0] replaced by `python -m module`).
TOOLS = {
    "sf-api": {"/storage-api-dump": "ffwizard.demo.dump_tool",
               "/sf-api-migrate": "ffwizard.demo.migrate_tool"},
    "legacy": {},
}
LEGACY_PYTHON = "/opt/findface-security/bin/python3"
LEGACY_MANAGE = "/tigre_prototype/manage.py"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    image: str
    environment: dict[str, str]
    volumes: tuple[str, ...]
    command: tuple[str, ...]
    definition: dict

    @property
    def kind(self) -> str:
        if "CFG_LISTEN_PORT" in self.environment or "TT_LISTEN" in self.environment:
            return "shard"
        image = self.image.rsplit("/", 1)[-1]
        for kind, marker in (("extraction-api", "extraction-api"), ("sf-api", "sf-api"),
                             ("upload", "upload"), ("legacy", "legacy"),
                             ("video-worker", "video-worker")):
            if image.startswith(marker):
                return kind
        return "idle"

    @property
    def digest(self) -> str:
        """Changes when the compose definition changes (compose then recreates the container)."""
        return hashlib.sha256(json.dumps(self.definition, sort_keys=True, default=str).encode()).hexdigest()[:16]


class ComposeError(Exception):
    pass


def load_compose(compose_file: Path) -> dict[str, ServiceSpec]:
    try:
        with open(compose_file) as f:
            data = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as err:
        raise ComposeError(_("cannot read {path}: {reason}").format(
            path=compose_file, reason=err.strerror or err)) from err
    except yaml.YAMLError as err:
        raise ComposeError(_("{path} is not valid YAML: {reason}").format(
            path=compose_file, reason=err)) from err
    services = (data or {}).get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        raise ComposeError(_("{path}: no services").format(path=compose_file))
    specs = {}
    for name, body in services.items():
        if not isinstance(body, dict):
            raise ComposeError(_("service {name} must be a mapping").format(name=repr(name)))
        specs[name] = spec_from_definition(str(name), body)
    return specs


def spec_from_definition(name: str, body: dict) -> ServiceSpec:
    env = body.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    command = body.get("command") or []
    if isinstance(command, str):
        command = command.split()
    return ServiceSpec(name, str(body.get("image") or ""),
                       {str(k): "" if v is None else str(v) for k, v in env.items()},
                       tuple(str(v) for v in body.get("volumes") or ()),
                       tuple(str(c) for c in command), body)


def container_root(sandbox_root: Path, service: str) -> Path:
    return Path(sandbox_root) / ".sim" / "containers" / service


def container_fs(sandbox_root: Path, spec: ServiceSpec) -> ContainerFS:
    """The service's own layer plus its bind mounts (relative sources from the compose dir)."""
    mounts = []
    for volume in spec.volumes:
        parts = volume.split(":")
        if len(parts) < 2 or not parts[1].startswith("/"):
            continue  # named volumes: kept in the container's own layer
        source = parts[0]
        if source.startswith("./") or source.startswith("../") or not source.startswith("/"):
            host = (Path(sandbox_root) / source).resolve()
        else:
            host = Path(source)
        mounts.append((posixpath.normpath(parts[1]), host))
    return ContainerFS(container_root(sandbox_root, spec.name), tuple(mounts))


def prepare_container(sandbox_root: Path, spec: ServiceSpec) -> ContainerFS:
    """Create the container's layer (with its vendor tools) and missing bind-mount sources."""
    fs = container_fs(sandbox_root, spec)
    fs.root.mkdir(parents=True, exist_ok=True)
    for _target, host in fs.mounts:
        if not host.exists():
            host.mkdir(parents=True, exist_ok=True)  # as docker does for a missing source
    tools = list(TOOLS.get(spec.kind, {}))
    if spec.kind == "legacy":
        tools += [LEGACY_PYTHON, LEGACY_MANAGE]
    for tool in tools:
        path = fs.root / tool.lstrip("/")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"#!simulated {tool}\n")
            path.chmod(0o755)
    return fs


def service_env(sandbox_root: Path, spec: ServiceSpec, fs: ContainerFS) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FFSIM_") or k in _FAULT_NAMES or k == OWNER_ENV}
    env.update(spec.environment)
    env.update({
        "FFSIM_FS": fs.to_env(),
        "FFSIM_SANDBOX": str(Path(sandbox_root).resolve()),
        "FFSIM_SERVICE": spec.name,
        network.ADDRESS_ENV: network.address_of(sandbox_root, spec.name),
        network.HOSTS_ENV: str(Path(sandbox_root).resolve() / network.ADDRESSES),
        "FFSIM_IMAGE": spec.image,
        "PYTHONPATH": os.pathsep.join(p for p in (PACKAGE_PARENT, os.environ.get("PYTHONPATH")) if p),
        "PYTHONUNBUFFERED": "1",
    })
    return env


_FAULT_NAMES = frozenset(KNOBS)


def server_argv(spec: ServiceSpec) -> list[str]:
    """The host argv of the process that stands for the service's main process."""
    module = {"shard": "shard_server", "extraction-api": "extraction_server", "sf-api": "sfapi_server",
              "upload": "upload_server", "video-worker": "video_worker"}.get(spec.kind, "idle_service")
    args = list(spec.command) if spec.kind in ("extraction-api", "sf-api") else []
    return [sys.executable, "-m", f"ffwizard.demo.{module}", *args]


@dataclass(frozen=True)
class ExecPlan:
    argv: list[str] | None  # None: nothing to run
    cwd: Path
    exit_code: int = 0
    message: str = ""


def exec_plan(sandbox_root: Path, spec: ServiceSpec, argv: list[str], workdir: str | None) -> ExecPlan:
    """How `docker exec [-w workdir] <service> argv…` runs in the simulation."""
    fs = container_fs(sandbox_root, spec)
    workdir = workdir or "/"
    cwd = fs.host_path(workdir)
    if not argv:
        return ExecPlan(None, fs.root, NOT_FOUND, "exec: no command given")
    if not cwd.is_dir():
        return ExecPlan(None, fs.root, NOT_FOUND,
                        f"OCI runtime exec failed: chdir to cwd (\"{workdir}\"): no such file or directory")
    program = argv[0]
    python = sys.executable
    if "/" in program:
        path = posixpath.normpath(posixpath.join(workdir, program))
        module = TOOLS.get(spec.kind, {}).get(path)
        if module:
            return ExecPlan([python, "-m", module, *argv[1:]], cwd)
        if spec.kind == "legacy" and path == LEGACY_PYTHON:
            script = posixpath.normpath(posixpath.join(workdir, argv[1])) if len(argv) > 1 else ""
            if script == LEGACY_MANAGE:
                return ExecPlan([python, "-m", "ffwizard.demo.cluster_tool", *argv[2:]], cwd)
            return ExecPlan(None, cwd, 2, f"{LEGACY_PYTHON}: can't open file '{script}': No such file or directory")
        return ExecPlan(None, cwd, NOT_FOUND, f"OCI runtime exec failed: exec failed: unable to start container "
                                              f"process: exec: \"{program}\": stat {path}: no such file or directory")
    if program in UTILITIES and shutil.which(program):
        mapped = [str(fs.host_path(a)) if a.startswith("/") else a for a in argv[1:]]
        return ExecPlan([shutil.which(program), *mapped], cwd)
    return ExecPlan(None, cwd, NOT_FOUND, f"OCI runtime exec failed: exec failed: unable to start container "
                                          f"process: exec: \"{program}\": executable file not found in $PATH")
