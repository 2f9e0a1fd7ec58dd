"""The simulated FindFace installation: sandbox generator and simulated services (no Textual).

Entry points for the rest of ffwizard:
  prepare_demo(sandbox=None, shards=8, objects=4000, device="gpu", types=("face","body","car"))
      -> PreparedDemo(root, project, compose_file, runtime, created): builds (or reuses) a
         sandbox and starts its services.
  stop_demo(root) -> names of the services stopped.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ffwizard.i18n import _, ngettext

DEFAULT_SHARDS = 8
DEFAULT_OBJECTS = 4000
DEFAULT_DEVICE = "gpu"
DEFAULT_TYPES = ("face", "body", "car")


@dataclass
class PreparedDemo:
    root: Path
    project: str
    compose_file: Path
    runtime: object  # ffwizard.runtime.sim.SimRuntime
    created: bool  # False when an existing sandbox was reused
    summary: str  # what was prepared, for the user


def prepare_demo(sandbox: Path | str | None = None, *, shards: int = DEFAULT_SHARDS,
                 objects: int = DEFAULT_OBJECTS, device: str = DEFAULT_DEVICE,
                 types: tuple[str, ...] = DEFAULT_TYPES, start: bool = True) -> PreparedDemo:
    """Build a sandbox at `sandbox` (a fresh temporary directory when None; an existing sandbox
    is reused as it is) and start its services. Raises UserError for a non-empty non-sandbox."""
    from ffwizard.demo.ports import reclaim_block
    from ffwizard.demo.sandbox import build_sandbox, is_sandbox, open_sandbox
    from ffwizard.runtime.sim import SimRuntime

    if sandbox is None:
        root = Path(tempfile.mkdtemp(prefix="ffwizard-demo-"))
    else:
        root = Path(sandbox).expanduser().resolve()
    created = not is_sandbox(root)
    for attempt in range(PORT_RACE_ATTEMPTS):
        box = build_sandbox(root, shards=shards, objects=objects, device=device, types=tuple(types)) \
            if created else open_sandbox(root)
        if not created:
            reclaim_block(box.root, box.ports)  # given back when it was stopped
        runtime = SimRuntime(box.root, box.project, box.compose_file)
        result = runtime.compose_up() if start else None
        if not (created and result is not None and attempt + 1 < PORT_RACE_ATTEMPTS
                and _lost_a_port(box.root)):
            break
        # Another program took a port of the block between the claim and the start (one that
        # does not hold its blocks the way ffwizard does): build the new sandbox on another.
        _discard(runtime, box)
    if start:
        if result.exit_code != 0:
            from ffwizard.core.errors import UserError

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
    return PreparedDemo(box.root, box.project, box.compose_file, runtime, created, summary)


PORT_RACE_ATTEMPTS = 5


def _lost_a_port(root: Path, timeout: float = 60.0) -> bool:
    """Whether a service of the sandbox just started could not listen on its port. A port
    someone else listens on answers as if the service were up: so each service that has ports
    is watched until its log says it listens, or it has died."""
    import time

    from ffwizard.demo import procs

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
    import shutil

    from ffwizard.demo.ports import release_block

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
    from ffwizard.demo.ports import release_block
    from ffwizard.demo.sandbox import open_sandbox
    from ffwizard.runtime.sim import SimRuntime

    box = open_sandbox(Path(root))
    stopped = SimRuntime(box.root, box.project, box.compose_file).stop_all()
    if release_ports:
        release_block(box.root, box.ports.offset)
    return stopped
