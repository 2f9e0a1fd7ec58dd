"""Checks made before anything changes. Each failure is one plain sentence saying what to do."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ffwizard.core.atomic import read_text_or_none
from ffwizard.core.errors import PreflightFailed, UserError
from ffwizard.core.models import model_device, other_device_variant
from ffwizard.core.parallel import map_in_threads
from ffwizard.core.plan import Plan, Step
from ffwizard.core.ports import HttpAnswer, Runtime
from ffwizard.core.replaceable import why_not_replaceable
from ffwizard.core.settings import Settings
from ffwizard.core.shards import host_port_in_use
from ffwizard.core.steps.base import Needs
from ffwizard.core.toolprobe import ProbeResult, probe_tool
from ffwizard.i18n import N_, _, format_count, format_decimal, ngettext


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str  # what was found; on failure, what to do
    # What a probe printed, kept in the run directory: (file name, text).
    outputs: tuple[tuple[str, str], ...] = ()
    warning: bool = False  # passed, but with a caveat the user must hear (shown as "!")




def directory_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


# TRANSLATORS: units of bytes: B, KiB, MiB, GiB, TiB.
BYTE_UNITS = (N_("B"), N_("KiB"), N_("MiB"), N_("GiB"), N_("TiB"))


def human_bytes(n: float) -> str:
    """`74.6 GiB`; in Russian `74,6 ГиБ` (the decimal mark of the user's language)."""
    for unit in BYTE_UNITS:
        if abs(n) < 1024 or unit == "TiB":
            number = format_count(round(n)) if unit == "B" else format_decimal(n)
            return f"{number}\u00a0{_(unit)}"
        n /= 1024
    return f"{format_decimal(n)}\u00a0{_('TiB')}"


def disk_free(path: Path, settings: Settings = Settings()) -> int:
    if settings.test_disk_free_bytes is not None:
        return settings.test_disk_free_bytes
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def mem_available(meminfo: Path = Path("/proc/meminfo"), settings: Settings = Settings()) -> int | None:
    if settings.test_mem_available_bytes is not None:
        return settings.test_mem_available_bytes
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def on_this_host(url: str | None) -> bool:
    """Whether a shard URL is on the host's loopback (else on a container address)."""
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return True
    return host in (None, "127.0.0.1", "localhost", "0.0.0.0", "::1")


def plan_needs(plan: Plan) -> list[tuple[Step[Any], Needs]]:
    """What each step of the plan needs from the installation, in the plan's order."""
    return [(step, step.kind.needs(step, plan)) for step in plan.steps]


def run_preflight(plan: Plan, runtime: Runtime, settings: Settings = Settings()) -> list[Check]:
    """All checks, passed and failed (the caller raises PreflightFailed on failures)."""
    checks: list[Check] = []

    def add(name: str, ok: bool, message: str) -> None:
        checks.append(Check(name, ok, message))

    summary = plan.summary
    needs = plan_needs(plan)

    # The runtime answers at all; without it nothing else can be checked.
    try:
        runtime.ping()
    except UserError as err:
        add("runtime", False, str(err))
        return checks
    # TRANSLATORS: {kind} is docker or sim.
    add("runtime", True, _("the {kind} runtime answers").format(kind=runtime.kind))

    # The services the steps use exist and run.
    needed = [service for _step, need in needs for service in need.services]
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
        # Say what was checked, and that the other services listed were not.
        count = len(set(needed))
        text = ngettext("the {count} service the steps use runs",
                        "the {count} services the steps use run", count).format(count=count)
        others = len(set(states) - set(needed))
        if others:
            text += " " + ngettext("(the {others} other is not checked)",
                                   "(the {others} others are not checked)", others).format(
                                       others=others)
        add("service", True, text)

    # Every old shard answers, and the vendor tools list their flags: all asked at once (each
    # probe runs the tool's help in its container).
    old_urls = [url for _step, need in needs for url in need.healthy_shards]
    tools = [tool for _step, need in needs for tool in need.tools]
    jobs: list[Callable[[], HttpAnswer | ProbeResult]] = [
        *(partial(runtime.http_get, base.rstrip("/") + "/v2/status", timeout=5)
          for base in old_urls),
        *(partial(probe_tool, runtime, tool) for tool in tools)]
    asked = map_in_threads(lambda job: job(), jobs)
    answers = [a for a in asked[:len(old_urls)] if isinstance(a, HttpAnswer)]
    probes = [r for r in asked[len(old_urls):] if isinstance(r, ProbeResult)]
    for base, answer in zip(old_urls, answers):
        if answer.status != 200:
            why = answer.error or f"HTTP {answer.status}"
            add("old_shards", False, _("the shard at {url} is not healthy ({why}): bring it "
                                       "back before migrating.").format(url=base, why=why))
    if old_urls and not any(c.name == "old_shards" for c in checks):
        add("old_shards", True, ngettext("{count} old shard healthy", "{count} old shards healthy",
                                         len(old_urls)).format(count=len(old_urls)))

    # The vendor tools offer every flag the steps pass them (their help kept for the run).
    for result in probes:
        checks.append(Check("tools", result.ok, result.message, result.outputs))

    # New ports are free, new data dirs absent or empty.
    ports = 0
    for shard in summary.new_shards:
        if not on_this_host(shard.url):
            continue  # on its own container address: the host's ports are not its ports
        for port in (shard.http_port, shard.tarantool_port):
            if port and host_port_in_use(int(port)):
                add("ports", False, _("port {port} for the new shard {name} is already in use "
                                      "on this host: choose another in new_shards.").format(
                                          port=port, name=shard.name))
            elif port:
                ports += 1
    if ports and not any(c.name == "ports" for c in checks):
        add("ports", True, ngettext("{count} port for the new shards free",
                                    "{count} ports for the new shards free",
                                    ports).format(count=ports))
    dirs = [d for _step, need in needs for d in need.free_dirs]
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
    for step, need in needs:
        for change in step.changes:
            if change.before is None or not need.files_as_planned:
                continue
            current = read_text_or_none(change.path)
            if current != change.before and current != change.after:
                add("files", False, _("{path} changed since the plan was made: review the "
                                      "plan again.").format(path=change.path))
            elif change.path.exists() and not os.stat(change.path).st_mode & 0o222:
                add("files", False, _("{path} is read-only: make it writable (chmod u+w) if "
                                      "ffwizard may change it.").format(path=change.path))
    # Each file can be replaced the way it will be written (a rename over it), proved by a
    # probe rename in its directory; the file itself is not touched.
    for path in dict.fromkeys(change.path for step, _need in needs for change in step.changes):
        refusal = why_not_replaceable(path)
        if refusal:
            add("files", False, refusal)
    if not any(c.name == "files" for c in checks):
        add("files", True, _("the files to change are as planned and can be replaced (a probe "
                             "file renamed in each directory)"))

    # Disk: the dump and the new shards each need about the old shards' size.
    old_dirs = [Path(s.data_dir) for s in summary.old_shards if s.data_dir]
    size = sum(directory_size(p) for p in old_dirs if p.is_dir())
    margin = 64 * 1024 * 1024
    need_by_fs: dict[int, tuple[Path, int]] = {}
    for path in (p for _step, need in needs for p in need.room_for_old_shards):
        probe = path
        while not probe.exists():
            probe = probe.parent
        file_system = os.stat(probe).st_dev
        first, total = need_by_fs.get(file_system, (probe, 0))
        need_by_fs[file_system] = (first, total + size)
    for probe, room in need_by_fs.values():
        free = disk_free(probe, settings)
        if free < room + margin:
            add("disk", False, _("{path} has {free} free but the dump and the new shards need "
                                 "about {need}: free some space first.").format(
                                     path=probe, free=human_bytes(free),
                                     need=human_bytes(room + margin)))
    if not any(c.name == "disk" for c in checks):
        add("disk", True, _("enough disk for {size} (dump and new shards)").format(
            size=human_bytes(2 * size)))

    # Memory: the new shards run next to the old ones for the whole migration.
    memory = sum(int(s.memtx_memory or 0) for s in summary.new_shards)
    available = mem_available(settings=settings)
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
    device = summary.device
    models_root = summary.models_root
    extraction = next((need.models_in for _step, need in needs if need.models_in), None)
    for kind, model in summary.models.items():
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
    if summary.models and not any(c.name == "models" for c in checks):
        slow = {kind: model for kind, model in summary.models.items()
                if device == "gpu" and model_device(str(model)) == "cpu"}
        if not slow:
            # TRANSLATORS: {device} is CPU or GPU.
            add("models", True, _("the new models are in the extraction service and suit its "
                                  "{device}").format(device=str(device).upper()))
        else:
            add("models", True, _("the new models are in the extraction service"))
        for kind, model in slow.items():
            checks.append(Check("models", True, _(
                "the {kind} model {model} is a CPU model: this GPU extraction service runs it "
                "on the CPU, much slower ({gpu} is its GPU variant).").format(
                    kind=kind, model=model, gpu=other_device_variant(str(model), "gpu")),
                warning=True))
    return checks


def _non_empty(path: Path) -> Iterator[Path]:
    """Entries of `path` other than the three empty shard subdirectories."""
    for entry in path.iterdir():
        if entry.is_dir() and entry.name in ("index", "snapshots", "xlogs") and not any(entry.iterdir()):
            continue
        yield entry


def require_preflight(plan: Plan, runtime: Runtime,
                      settings: Settings = Settings()) -> list[Check]:
    checks = run_preflight(plan, runtime, settings)
    failures = [c for c in checks if not c.ok]
    if failures:
        raise PreflightFailed(failures)
    return checks
