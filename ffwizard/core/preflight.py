"""Checks made before anything changes. Each failure is one plain sentence saying what to do."""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from ffwizard.core.atomic import read_text_or_none
from ffwizard.core.errors import PreflightFailed, UserError  # noqa: F401  (PreflightFailed: importable from here too)
from ffwizard.core.runplan import RunPlan
from ffwizard.i18n import N_, _, ngettext

# Test knobs: pretend the disk has this many free bytes / the host this much available memory.
DISK_FREE_KNOB = "FFWIZARD_TEST_DISK_FREE_BYTES"
MEM_AVAILABLE_KNOB = "FFWIZARD_TEST_MEM_AVAILABLE_BYTES"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str  # what was found; on failure, what to do




def directory_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


def disk_free(path: Path) -> int:
    if os.environ.get(DISK_FREE_KNOB):
        return int(os.environ[DISK_FREE_KNOB])
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def mem_available(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    if os.environ.get(MEM_AVAILABLE_KNOB):
        return int(os.environ[MEM_AVAILABLE_KNOB])
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host if host not in ("", "0.0.0.0") else "0.0.0.0", port))
        except OSError:
            return False
    return True


# TRANSLATORS: units of bytes: B, KiB, MiB, GiB, TiB.
BYTE_UNITS = (N_("B"), N_("KiB"), N_("MiB"), N_("GiB"), N_("TiB"))


def human_bytes(n: float) -> str:
    for unit in BYTE_UNITS:
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {_(unit)}" if unit == "B" else f"{n:.1f} {_(unit)}"
        n /= 1024
    return f"{n:.1f} {_('TiB')}"


def run_preflight(plan: RunPlan, runtime) -> list[Check]:
    """All checks, passed and failed (the caller raises PreflightFailed on failures)."""
    checks: list[Check] = []
    add = lambda name, ok, msg: checks.append(Check(name, ok, msg))  # noqa: E731
    summary = plan.summary
    inst = summary.get("installation", {})
    answers = summary.get("answers", {})

    # The runtime answers at all; without it nothing else can be checked.
    try:
        runtime.ping()
    except UserError as err:
        add("runtime", False, str(err))
        return checks
    # TRANSLATORS: {kind} is docker or sim.
    add("runtime", True, _("the {kind} runtime answers").format(kind=runtime.kind))

    # The services the steps use exist and run.
    needed: list[str] = []
    for step in plan.steps:
        for key in ("service",):
            if step.params.get(key) and step.id in ("backup", "switch_model", "migrate_clusters"):
                needed.append(step.params[key])
        if step.id == "remove_old_shards":
            needed += list(step.params.get("services", []))
    states = runtime.services()
    for service in dict.fromkeys(needed):
        state = states.get(service)
        if state is None or state.state == "missing":
            add("service", False, _("the service {service} has no container: start the "
                                    "installation (compose up -d) and try again.").format(
                                        service=service))
        elif state.state != "running":
            # TRANSLATORS: {state} is the engine's word: restarting, exited, created.
            add("service", False, _("the service {service} is {state}, not running: start it "
                                    "and try again.").format(service=service, state=state.state))
    if all(c.ok for c in checks if c.name == "service"):
        count = len(set(needed))
        add("service", True, ngettext("{count} service runs", "{count} services run",
                                      count).format(count=count))

    # Every old shard answers.
    migration = plan.step("run_migration").params if plan.has("run_migration") else {}
    for base in migration.get("old_shard_urls", []):
        answer = runtime.http_get(base.rstrip("/") + "/v2/status", timeout=5)
        if answer.status != 200:
            why = answer.error or f"HTTP {answer.status}"
            add("old_shards", False, _("the shard at {url} is not healthy ({why}): bring it "
                                       "back before migrating.").format(url=base, why=why))

    old_urls = migration.get("old_shard_urls", [])
    if old_urls and not any(c.name == "old_shards" for c in checks):
        add("old_shards", True, ngettext("{count} old shard healthy", "{count} old shards healthy",
                                         len(old_urls)).format(count=len(old_urls)))

    # New ports are free, new data dirs absent or empty.
    ports = 0
    for shard in summary.get("new_shards", []):
        for key in ("http_port", "tarantool_port"):
            port = shard.get(key)
            if port and not port_free("127.0.0.1", int(port)):
                add("ports", False, _("port {port} for the new shard {name} is already in use "
                                      "on this host: choose another in new_shards.").format(
                                          port=port, name=shard["name"]))
            elif port:
                ports += 1
    if ports and not any(c.name == "ports" for c in checks):
        add("ports", True, ngettext("{count} port for the new shards free",
                                    "{count} ports for the new shards free",
                                    ports).format(count=ports))
    dirs = plan.step("create_shard_dirs").params.get("dirs", []) if plan.has("create_shard_dirs") else []
    for d in dirs:
        path = Path(d)
        if path.exists() and (not path.is_dir() or any(_non_empty(path))):
            add("dirs", False, _("the new shard directory {path} already holds data: choose "
                                 "another shard name, or move it away.").format(path=path))
    if dirs and not any(c.name == "dirs" for c in checks):
        add("dirs", True, ngettext("{count} new shard directory free",
                                   "{count} new shard directories free",
                                   len(dirs)).format(count=len(dirs)))

    # Files the run will write: writable, and unchanged since the plan was made.
    for step in plan.steps:
        for change in step.changes:
            if change.before is None or step.id == "remove_old_shards":
                continue
            current = read_text_or_none(change.path)
            if current != change.before and current != change.after:
                add("files", False, _("{path} changed since the plan was made: review the "
                                      "plan again.").format(path=change.path))
            elif change.path.exists() and not os.stat(change.path).st_mode & 0o222:
                add("files", False, _("{path} is read-only: make it writable (chmod u+w) if "
                                      "ffwizard may change it.").format(path=change.path))
    if not any(c.name == "files" for c in checks):
        add("files", True, _("the files to change are writable and as planned"))

    # Disk: the dump and the new shards each need about the old shards' size.
    old_dirs = [Path(s["data_dir"]) for s in summary.get("old_shards", []) if s.get("data_dir")]
    size = sum(directory_size(p) for p in old_dirs if p.is_dir())
    margin = 64 * 1024 * 1024
    backup_dir = Path(plan.step("backup").params["host_dir"]) if plan.has("backup") else plan.root
    shard_parent = Path(dirs[0]).parent if dirs else plan.root
    need_by_fs: dict[int, list] = {}
    for path, need in ((backup_dir, size), (shard_parent, size)):
        probe = path
        while not probe.exists():
            probe = probe.parent
        entry = need_by_fs.setdefault(os.stat(probe).st_dev, [probe, 0])
        entry[1] += need
    for probe, need in need_by_fs.values():
        free = disk_free(probe)
        if free < need + margin:
            add("disk", False, _("{path} has {free} free but the dump and the new shards need "
                                 "about {need}: free some space first.").format(
                                     path=probe, free=human_bytes(free),
                                     need=human_bytes(need + margin)))
    if not any(c.name == "disk" for c in checks):
        add("disk", True, _("enough disk for {size} (dump and new shards)").format(
            size=human_bytes(2 * size)))

    # Memory: the new shards run next to the old ones for the whole migration.
    memory = sum(int(s.get("memtx_memory") or 0) for s in summary.get("new_shards", []))
    available = mem_available()
    if memory and available is not None and memory > available:
        add("memory", False, _("the new shards need {need} of memory (TT_MEMTX_MEMORY) while "
                               "only {available} is available: free memory or lower "
                               "TT_MEMTX_MEMORY.").format(need=human_bytes(memory),
                                                          available=human_bytes(available)))
    elif memory and available is not None:
        add("memory", True, _("{available} of memory available for the new shards' "
                              "{need}").format(available=human_bytes(available),
                                               need=human_bytes(memory)))

    # The new models exist in the extraction service and suit its device.
    device = inst.get("device")
    models_root = inst.get("models_root", "/usr/share/findface-data/models")
    extraction = plan.step("switch_model").params.get("service") if plan.has("switch_model") else None
    for kind, model in (answers.get("models") or {}).items():
        if device == "cpu" and str(model).endswith(".gpu.fnk"):
            add("models", False, _("the {kind} model {model} is a GPU model but this "
                                   "extraction service runs on CPU: choose a .cpu.fnk "
                                   "model.").format(kind=kind, model=model))
            continue
        if extraction and not runtime.path_exists(extraction, f"{models_root.rstrip('/')}/{model}"):
            add("models", False, _("the {kind} model {model} is not in {models_root} of the "
                                   "extraction service: install it or choose another "
                                   "model.").format(kind=kind, model=model,
                                                    models_root=models_root))
    if answers.get("models") and not any(c.name == "models" for c in checks):
        # TRANSLATORS: {device} is CPU or GPU.
        add("models", True, _("the new models are in the extraction service and suit its "
                              "{device}").format(device=str(device).upper()))
    return checks


def _non_empty(path: Path):
    """Entries of `path` other than the three empty shard subdirectories."""
    for entry in path.iterdir():
        if entry.is_dir() and entry.name in ("index", "snapshots", "xlogs") and not any(entry.iterdir()):
            continue
        yield entry


def require_preflight(plan: RunPlan, runtime) -> list[Check]:
    checks = run_preflight(plan, runtime)
    failures = [c for c in checks if not c.ok]
    if failures:
        raise PreflightFailed(failures)
    return checks
