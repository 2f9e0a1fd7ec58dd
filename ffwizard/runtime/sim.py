"""The sim runtime: the services of a demo sandbox (`ffwizard demo`) as real local processes;
and `prepare_demo` / `stop_demo`, which build or reuse a sandbox and start or stop its services.

Services behave like containers: `compose_up` starts a process per compose service (the
simulated program its image stands for), recreates one whose definition changed and, with
`remove_orphans`, stops those no longer listed; each service has its own filesystem under
`.sim/containers/<service>/` plus the compose file's bind mounts; `exec` maps the vendor's
executables (/storage-api-dump, ./sf-api-migrate, manage.py, mkdir, ls, test…) to the simulated
programs and answers 127 for anything else, as a container would.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ffwizard.core.errors import RuntimeUnavailable, UserError
from ffwizard.core.ports import ExecResult, ServiceState
from ffwizard.demo import (
    DEFAULT_DEVICE,
    DEFAULT_OBJECTS,
    DEFAULT_SHARDS,
    DEFAULT_TYPES,
    containers,
    network,
    procs,
)
from ffwizard.demo.faults import set_faults
from ffwizard.demo.orphans import end_orphans
from ffwizard.demo.ports import reclaim_block, release_block
from ffwizard.demo.sandbox import (
    COMPOSE_FILE,
    DEFAULT_SHAPE,
    MARKER,
    PROJECT,
    build_sandbox,
    is_sandbox,
    open_sandbox,
)
from ffwizard.demo.shapes import shape_named
from ffwizard.i18n import _, ngettext
from ffwizard.runtime.base import BaseRuntime


class SimRuntime(BaseRuntime):
    kind = "sim"

    def __init__(self, root: Path, project: str = PROJECT, compose_file: Path | None = None):
        root = Path(root).resolve()
        super().__init__(root, project, Path(compose_file) if compose_file else root / COMPOSE_FILE)

    # --- helpers ---------------------------------------------------------------------------
    def container_name(self, service: str) -> str:
        return f"{self.project}-{service}-1"

    def _specs(self) -> dict[str, containers.ServiceSpec]:
        try:
            return containers.load_compose(self.compose_file)
        except containers.ComposeError as err:
            raise UserError(str(err)) from err

    def _running_spec(self, service: str) -> containers.ServiceSpec:
        record = procs.read_record(self.root, service)
        if not procs.is_running(record):
            known = record is not None or service in self._specs()
            raise UserError(_("service {service} is not running").format(service=service) if known
                            else _("no such service: {service}").format(service=service))
        return procs.spec_of(record)

    def _fs(self, service: str):
        record = procs.read_record(self.root, service)
        if record is not None:
            return containers.container_fs(self.root, procs.spec_of(record))
        spec = self._specs().get(service)
        if spec is None:
            raise UserError(_("no such service: {service}").format(service=service))
        return containers.container_fs(self.root, spec)

    @contextlib.contextmanager
    def _engine_lock(self):
        """One start/stop at a time per sandbox, across processes (the Engine serialises too)."""
        path = self.root / ".sim" / "engine.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def log_path(self, service: str) -> Path:
        return self.root / ".sim" / "logs" / f"{service}.log"

    # --- looking ---------------------------------------------------------------------------
    def ping(self) -> None:
        if not is_sandbox(self.root):
            raise RuntimeUnavailable(_("{root} is not a demo sandbox (no {marker}); build one "
                                       "with `ffwizard demo --prepare-only --sandbox DIR`").format(
                                           root=self.root, marker=MARKER))

    def services(self) -> dict[str, ServiceState]:
        states = {}
        for name, record in procs.all_records(self.root).items():
            state = "running" if procs.is_running(record) else "exited"
            states[name] = ServiceState(name, self.container_name(name), state, record.image)
        return states

    # --- acting ----------------------------------------------------------------------------
    def exec(self, service: str, argv: list[str], *, workdir: str | None = None,
             timeout: float | None = None) -> ExecResult:
        spec = self._running_spec(service)
        plan = containers.exec_plan(self.root, spec, list(argv), workdir)
        if plan.argv is None:
            return ExecResult(plan.exit_code, plan.message + "\n")
        env = containers.service_env(self.root, spec, containers.container_fs(self.root, spec))
        try:
            done = subprocess.run(plan.argv, cwd=plan.cwd, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired as err:
            raise UserError(_("{command} in {service} did not finish within {seconds}s").format(
                command=" ".join(argv), service=service, seconds=f"{timeout:g}")) from err
        # A process killed by a signal reads as 128+signal, as `docker exec` reports it.
        code = done.returncode if done.returncode >= 0 else 128 - done.returncode
        return ExecResult(code, done.stdout.decode("utf-8", "replace"))

    def detached_host_argv(self, service: str, argv: list[str], *, workdir: str | None = None) -> list[str]:
        return [sys.executable, "-m", "ffwizard.demo.container_exec", "--sandbox", str(self.root),
                "--service", service, "--workdir", workdir or "/", "--", *argv]

    def copy_out(self, service: str, container_path: str, host_dir: Path) -> Path:
        source = self._fs(service).host_path(container_path)
        if not source.exists():
            raise UserError(_("{path}: no such file or directory in {service}").format(
                path=container_path, service=service))
        host_dir = Path(host_dir)
        target = host_dir / source.name
        try:
            host_dir.mkdir(parents=True, exist_ok=True)
            _copy_file_or_tree(source, target)
        except OSError as err:
            raise UserError(_("Could not copy {path} of {service} into {directory}: "
                              "{reason}").format(path=container_path, service=service,
                                                 directory=host_dir,
                                                 reason=err.strerror or err)) from None
        return target

    def copy_in(self, service: str, host_path: Path, container_dir: str) -> None:
        host_path = Path(host_path)
        if not host_path.exists():
            raise UserError(_("{path}: no such file or directory").format(path=host_path))
        target_dir = self._fs(service).host_path(container_dir)
        if not target_dir.is_dir():
            raise UserError(_("{directory}: no such directory in {service}").format(
                directory=container_dir, service=service))
        target = target_dir / host_path.name
        try:
            _copy_file_or_tree(host_path, target)
        except OSError as err:
            raise UserError(_("Could not copy {path} into {directory} of {service}: "
                              "{reason}").format(path=host_path, directory=container_dir,
                                                 service=service,
                                                 reason=err.strerror or err)) from None

    def path_exists(self, service: str, container_path: str) -> bool:
        return self._fs(service).host_path(container_path).exists()

    def list_files(self, service: str, container_dir: str, suffix: str = "") -> list[str]:
        base = self._fs(service).host_path(container_dir)
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(base)) for p in base.rglob("*")
                      if p.is_file() and p.name.endswith(suffix))

    def restart(self, service: str) -> None:
        record = procs.read_record(self.root, service)
        if record is None:
            raise UserError(_("service {service} has no container to restart").format(
                service=service))
        spec = procs.spec_of(record)  # a restart keeps the container's definition
        with self._engine_lock():
            procs.stop(record)
            started = procs.start(self.root, spec)
        procs.wait_ready([started])

    def compose_up(self, *, remove_orphans: bool = False,
                   services: list[str] | None = None) -> ExecResult:
        with self._engine_lock():
            return self._compose_up(remove_orphans, services)

    def _compose_up(self, remove_orphans: bool, services: list[str] | None = None) -> ExecResult:
        try:
            specs = containers.load_compose(self.compose_file)
        except containers.ComposeError as err:
            return ExecResult(1, f"{err}\n")
        orphans_of = set(specs)  # services named or not, the rest are still no orphans
        if services is not None:
            unknown = sorted(set(services) - set(specs))
            if unknown:
                return ExecResult(1, f"no such service: {unknown[0]}\n")
            specs = {name: spec for name, spec in specs.items() if name in services}
        records = procs.all_records(self.root)
        lines, started, to_stop = [], [], []
        orphans = sorted(set(records) - orphans_of)
        if orphans and remove_orphans:
            to_stop += [records[name] for name in orphans]
        elif orphans:
            lines.append(f"WARN[0000] Found orphan containers ({', '.join(self.container_name(o) for o in orphans)}) "
                         f"for this project. If you removed or renamed this service in your compose file, "
                         f"you can run this command with the --remove-orphans flag to clean it up.")
        actions = {}
        for name, spec in specs.items():
            record = records.get(name)
            if record is not None and procs.is_running(record) and record.digest == spec.digest:
                actions[name] = "Running"
            elif record is not None and procs.is_running(record):
                to_stop.append(record)
                actions[name] = "Recreated"
            else:
                actions[name] = "Started" if record is None or record.digest == spec.digest else "Recreated"
        procs.stop_many(to_stop)
        for name in orphans:
            if remove_orphans:
                procs.delete_record(self.root, name)
                lines.append(f" Container {self.container_name(name)}  Removed")
        for name, spec in specs.items():
            if actions[name] != "Running":
                started.append(procs.start(self.root, spec))
            lines.append(f" Container {self.container_name(name)}  {actions[name]}")
        procs.wait_ready(started)
        return ExecResult(0, "\n".join(lines) + "\n")

    def remove_services(self, services: list[str]) -> None:
        with self._engine_lock():
            records = procs.all_records(self.root)
            procs.stop_many([records[s] for s in services if s in records])
            for service in services:
                procs.delete_record(self.root, service)

    def service_address(self, service: str) -> str | None:
        """The simulated service's own loopback address (ffwizard.demo.network)."""
        return network.addresses(self.root).get(service)

    def projects_at_root(self) -> list[str]:
        """The sandbox's project, as the labels of its running containers would say."""
        if not any(procs.is_running(r) for r in procs.all_records(self.root).values()):
            return []
        try:
            return [open_sandbox(self.root).project]
        except UserError:
            return []
    def stop_services(self, services: list[str]) -> None:
        with self._engine_lock():
            records = procs.all_records(self.root)
            procs.stop_many([records[s] for s in services if s in records])

    def start_services(self, services: list[str]) -> None:
        with self._engine_lock():
            started = []
            for service in services:
                record = procs.read_record(self.root, service)
                if record is not None and not procs.is_running(record):
                    started.append(procs.start(self.root, procs.spec_of(record)))
        procs.wait_ready(started)

    # --- beyond the interface: the demo's own needs ----------------------------------------
    def stop_all(self) -> list[str]:
        """Stop every service process of the sandbox (records kept: states read `exited`)."""
        with self._engine_lock():
            records = procs.all_records(self.root)
            running = [r for r in records.values() if procs.is_running(r)]
            procs.stop_many(running)
            end_orphans(self.root)  # programs it started but holds no record of
        return sorted(r.service for r in running)

    def stop_service(self, service: str) -> None:
        """Stop one service like `docker stop` (tests: a shard that is down)."""
        record = procs.read_record(self.root, service)
        if record is not None:
            procs.stop(record)


def _copy_file_or_tree(source: Path, target: Path) -> None:
    """What `docker cp` does with a file or a directory (links kept as links)."""
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)


# --- demo sandboxes ---------------------------------------------------------------------------

@dataclass
class PreparedDemo:
    root: Path
    project: str
    compose_file: Path
    runtime: SimRuntime
    created: bool  # False when an existing sandbox was reused
    summary: str  # what was prepared, for the user


def prepare_demo(sandbox: Path | str | None = None, *, shards: int = DEFAULT_SHARDS,
                 objects: int = DEFAULT_OBJECTS, device: str = DEFAULT_DEVICE,
                 types: tuple[str, ...] = DEFAULT_TYPES, start: bool = True,
                 shape: str | None = None,
                 events_per_second: float | None = None) -> PreparedDemo:
    """Build a sandbox at `sandbox` in `shape` (ffwizard.demo.shapes; the vendor's when None) —
    a fresh temporary directory when None; an existing sandbox is reused as it is — and start
    its services. Raises UserError for a non-empty non-sandbox, or a sandbox of another shape."""
    wanted = shape_named(shape)
    if sandbox is None:
        root = Path(tempfile.mkdtemp(prefix="ffwizard-demo-"))
    else:
        root = Path(sandbox).expanduser().resolve()
    created = not is_sandbox(root)
    for attempt in range(PORT_RACE_ATTEMPTS):
        box = build_sandbox(root, shards=shards, objects=objects, device=device,
                            types=tuple(types), shape=wanted) if created else open_sandbox(root)
        if not created and shape is not None and box.shape != wanted.name:
            raise UserError(_("{root} is a demo sandbox of shape {built}, not {wanted}: give a new "
                              "directory for the shape {wanted}.").format(
                                  root=box.root, built=box.shape, wanted=wanted.name))
        if not created:
            reclaim_block(box.root, box.ports)  # given back when it was stopped
        if created and events_per_second:
            # A live site: the video worker keeps adding events while the migration runs.
            set_faults(box.root, FFSIM_EVENTS_PER_SECOND=f"{events_per_second:g}")
        runtime = SimRuntime(box.root, box.project, box.compose_file)
        result = runtime.compose_up() if start else None
        if not (created and result is not None and attempt + 1 < PORT_RACE_ATTEMPTS
                and _lost_a_port(box.root)):
            break
        # Another program took a port of the block between the claim and the start (one that
        # does not hold its blocks the way ffwizard does): build the new sandbox on another.
        _discard(runtime, box)
    if result is not None and result.exit_code != 0:
        raise UserError(_("the sandbox's services did not start: {output}").format(
            output=result.output.strip()))
    p = box.ports
    heading = (_("Built a simulated FindFace Multi installation at {root}") if created
               else _("Reusing a simulated FindFace Multi installation at {root}"))
    counts = ngettext("{shards} shard (HTTP ports {first}…{last}), {objects} objects, {device}, "
                      "types {types}",
                      "{shards} shards (HTTP ports {first}…{last}), {objects} objects, {device}, "
                      "types {types}", box.shards)
    summary = (heading.format(root=box.root) + "\n  "
               + counts.format(shards=box.shards, first=p.shard_http,
                               last=p.shard_http + box.shards - 1, objects=box.objects,
                               device=box.device.upper(), types=",".join(box.types)) + "\n"
               f"  sf-api 127.0.0.1:{p.sf_api}, extraction-api 127.0.0.1:{p.extraction_api}, "
               f"upload 127.0.0.1:{p.upload}")
    built = shape_named(box.shape)
    if built.name != DEFAULT_SHAPE:
        summary += "\n  " + (_("shape {name}: {description}") if built.migrated else
                             _("shape {name}: {description} (ffwizard refuses this shape: "
                               "plan on it to read why)")).format(
                                   name=built.name, description=_(built.description))
    return PreparedDemo(box.root, box.project, box.compose_file, runtime, created, summary)


PORT_RACE_ATTEMPTS = 5


def _lost_a_port(root: Path, timeout: float = 60.0) -> bool:
    """Whether a service of the sandbox just started could not listen on its port. A port
    someone else listens on answers as if the service were up: so each service that has ports
    is watched until its log says it listens, or it has died."""
    def log_of(record) -> str:
        try:
            return Path(record.log).read_text(errors="replace")
        except OSError:
            return ""

    pending = [r for r in procs.all_records(root).values() if r.ports]
    deadline = time.monotonic() + timeout
    while pending:
        for record in list(pending):
            text = log_of(record)
            if "cannot listen on" in text:
                return True
            if "listening on" in text or not procs.is_running(record):
                pending.remove(record)
        if pending:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
    return False


def _discard(runtime, box) -> None:
    """Stop and remove a sandbox this call has just built (its directory was empty)."""
    runtime.stop_all()
    release_block(box.root, box.ports.offset)
    for child in box.root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def stop_demo(root: Path | str, *, release_ports: bool = True) -> list[str]:
    """Stop every service of the sandbox at `root` and give its port block back (a stopped
    sandbox holds no ports; `prepare_demo` claims them again when it is reused)."""
    box = open_sandbox(Path(root))
    stopped = SimRuntime(box.root, box.project, box.compose_file).stop_all()
    if release_ports:
        release_block(box.root, box.ports.offset)
    return stopped
