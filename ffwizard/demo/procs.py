"""Service processes of a sandbox, kept like containers: they outlive the process that started
them (own session), and their pid, start time and definition are recorded under `.sim/procs/`.

A recorded pid counts as the service only while /proc/<pid>/stat shows the same start time, so
a reused pid is never taken for (or signalled as) the service.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from ffwizard.demo.containerfs import ContainerFS
from ffwizard.demo.containers import (
    ServiceSpec,
    prepare_container,
    server_argv,
    service_env,
    spec_from_definition,
)
from ffwizard.demo.goflags import config_flag
from ffwizard.demo.httpkit import split_listen
from ffwizard.demo.lifeline import start_time

_children: dict[int, subprocess.Popen] = {}  # started by this process: reaped when they exit


@dataclass(frozen=True)
class ProcRecord:
    service: str
    pid: int
    start_time: int
    digest: str
    image: str
    argv: list
    env: dict
    cwd: str
    log: str
    ports: list
    definition: dict

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def proc_start_time(pid: int) -> int | None:
    """Start time (clock ticks after boot) of a live, non-zombie process; None otherwise."""
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        _children.pop(pid, None)
        return None
    return start_time(pid)


def records_dir(sandbox_root: Path) -> Path:
    return Path(sandbox_root) / ".sim" / "procs"


def read_record(sandbox_root: Path, service: str) -> ProcRecord | None:
    try:
        return ProcRecord(**json.loads((records_dir(sandbox_root) / f"{service}.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def all_records(sandbox_root: Path) -> dict[str, ProcRecord]:
    records = {}
    for path in sorted(records_dir(sandbox_root).glob("*.json")):
        record = read_record(sandbox_root, path.stem)
        if record is not None:
            records[record.service] = record
    return records


def write_record(sandbox_root: Path, record: ProcRecord) -> None:
    directory = records_dir(sandbox_root)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{record.service}.tmp"
    tmp.write_text(json.dumps(record.to_dict(), indent=1))
    os.replace(tmp, directory / f"{record.service}.json")


def delete_record(sandbox_root: Path, service: str) -> None:
    (records_dir(sandbox_root) / f"{service}.json").unlink(missing_ok=True)


def spec_of(record: ProcRecord) -> ServiceSpec:
    """The definition the process was started with (what `docker exec` runs against)."""
    return spec_from_definition(record.service, record.definition)


def is_running(record: ProcRecord | None) -> bool:
    return record is not None and proc_start_time(record.pid) == record.start_time


def listen_ports(spec: ServiceSpec, fs_env: dict) -> list[int]:
    """Ports the service answers on once it is up (to wait for), as far as its setup tells."""
    try:
        if spec.kind == "shard":
            return [int(spec.environment["CFG_LISTEN_PORT"])]
        if spec.kind == "upload":
            return [split_listen(spec.environment.get("UPLOAD_LISTEN", "127.0.0.1:3333"))[1]]
        if spec.kind in ("extraction-api", "sf-api"):
            default = "/etc/findface-extraction-api.ini" if spec.kind == "extraction-api" else "/etc/findface-sf-api.ini"
            setting = config_flag(list(spec.command or ()), default)
            path = ContainerFS.from_env(fs_env["FFSIM_FS"]).host_path(setting)
            data = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            return [split_listen(data.get("listen") or "")[1]]
    except (KeyError, ValueError, OSError, AttributeError):
        return []
    except Exception:  # a config being edited: no port to wait for
        return []
    return []


def start(sandbox_root: Path, spec: ServiceSpec) -> ProcRecord:
    fs = prepare_container(sandbox_root, spec)
    env = service_env(sandbox_root, spec, fs)
    argv = server_argv(spec)
    log_path = Path(sandbox_root) / ".sim" / "logs" / f"{spec.name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        child = subprocess.Popen(argv, cwd=fs.root, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
    _children[child.pid] = child
    start_time = None
    for _ in range(100):
        start_time = proc_start_time(child.pid)
        if start_time is not None or child.poll() is not None:
            break
        time.sleep(0.005)
    record = ProcRecord(spec.name, child.pid, start_time or -1, spec.digest, spec.image, argv,
                        {k: v for k, v in env.items() if k.startswith(("FFSIM_", "CFG_", "TT_", "UPLOAD_"))},
                        str(fs.root), str(log_path), listen_ports(spec, env),
                        json.loads(json.dumps(spec.definition, default=str)))
    try:
        write_record(sandbox_root, record)
    except BaseException:  # e.g. a full disk: a process nobody could find again must not stay
        stop(record, timeout=2.0)
        raise
    return record


def wait_ready(records: list[ProcRecord], timeout: float = 10.0) -> None:
    """Wait until each started process listens on its ports, or has died (its state tells)."""
    deadline = time.monotonic() + timeout
    pending = [(r, p) for r in records for p in r.ports]
    while pending and time.monotonic() < deadline:
        still = []
        for record, port in pending:
            if not is_running(record):
                continue
            # On loopback, or on the service's own address (a shard on one shared port).
            hosts = ["127.0.0.1", record.env.get("FFSIM_ADDRESS") or "127.0.0.1"]
            if not any(_answers(host, port) for host in hosts):
                still.append((record, port))
        pending = still
        if pending:
            time.sleep(0.02)


def _answers(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def stop(record: ProcRecord, timeout: float = 10.0) -> None:
    """SIGTERM the recorded process (only if it is still that process), SIGKILL after `timeout`."""
    if not is_running(record):
        _children.pop(record.pid, None)
        return
    try:
        os.kill(record.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(record):
            break
        time.sleep(0.02)
    else:
        if is_running(record):
            os.kill(record.pid, signal.SIGKILL)
            while is_running(record):
                time.sleep(0.01)
    child = _children.pop(record.pid, None)
    if child is not None:
        child.wait(timeout=1)


def stop_many(records: list[ProcRecord], timeout: float = 10.0) -> None:
    """Stop several at once: signal all, then wait (a sandbox stops in one timeout, not N)."""
    live = [r for r in records if is_running(r)]
    for record in live:
        try:
            os.kill(record.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for record in live:
        stop(record, timeout)
