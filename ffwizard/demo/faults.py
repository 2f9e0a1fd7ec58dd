"""Fault knobs of the simulated services, for tests and demos of failure.

Each knob is an environment variable; the same names can be set per sandbox in
`<sandbox>/.sim/faults.json` (a JSON object, e.g. {"FFSIM_MIGRATE_DIE_AFTER": 250}), which every
simulated program reads when it starts (the sim runtime tells it the sandbox through
FFSIM_SANDBOX). The environment wins over the file.

FFSIM_MIGRATE_DIE_AFTER=K        the migration tool dies (SIGKILL) after copying exactly K objects
FFSIM_SHARD_DOWN=A,B             shard servers named A, B (service name, data dir name such as
                                 shard-003, or HTTP port) refuse to start: exit 1 with a log line
FFSIM_SHARD_DOWN_AFTER_ADDS=K    a shard server exits after it has accepted K added objects;
                                 `svc=K,svc2=K` limits it to some shards (names as above)
FFSIM_EXTRACTION_DELAY_MS=MS     the extraction service waits MS milliseconds per request
FFSIM_DUMP_NO_SPACE=1            the dump tool fails with "no space left on device" halfway
FFSIM_PACE=N                     the migration tool copies at most N objects/s (demos)
FFSIM_CHATTER_LINES_PER_S=N|FILE while it copies, the migration tool also prints N lines/s of
                                 per-object detail (~80 characters each); FILE: a file holding
                                 N, read again every 0.2 s (bench/bench_terminal_bytes.py)
FFSIM_EVENTS_PER_SECOND=N       the simulated video worker adds N new event objects per second to
                                 the shards sf-api uses (a live site; `ffwizard demo` sets it)
FFSIM_GPU_CACHE_SECONDS=S        a GPU extraction service spends S seconds building the cache of
                                 each model it has not cached yet before it listens (first start
                                 of a new model; default 0)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

KNOBS = (
    "FFSIM_MIGRATE_DIE_AFTER",
    "FFSIM_SHARD_DOWN",
    "FFSIM_SHARD_DOWN_AFTER_ADDS",
    "FFSIM_EXTRACTION_DELAY_MS",
    "FFSIM_DUMP_NO_SPACE",
    "FFSIM_PACE",
    "FFSIM_CHATTER_LINES_PER_S",
    "FFSIM_GPU_CACHE_SECONDS",
    "FFSIM_EVENTS_PER_SECOND",
)
FAULTS_FILE = Path(".sim") / "faults.json"


def _file_knobs() -> dict[str, str]:
    sandbox = os.environ.get("FFSIM_SANDBOX")
    if not sandbox:
        return {}
    try:
        data = json.loads((Path(sandbox) / FAULTS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {k: str(v) for k, v in data.items() if k in KNOBS} if isinstance(data, dict) else {}


def knob(name: str) -> str | None:
    """The value of a fault knob (environment first, then the sandbox's faults.json)."""
    if name not in KNOBS:
        raise KeyError(name)
    value = os.environ.get(name)
    if value is None:
        value = _file_knobs().get(name)
    return value if value not in (None, "") else None


def int_knob(name: str) -> int | None:
    value = knob(name)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def names_match(spec: str, names: set[str]) -> bool:
    """Whether a comma list of shard names/ports names one of `names`."""
    wanted = {part.strip().split("=", 1)[0] for part in spec.split(",") if part.strip()}
    return bool(wanted & names)


def limit_for(spec: str, names: set[str]) -> int | None:
    """`K` or `name=K,name2=K`: the limit that applies to a shard known by `names`."""
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" in part:
            key, value = part.split("=", 1)
            if key.strip() in names:
                return int(value)
        else:
            return int(part)
    return None


def set_faults(sandbox: Path, **knobs: object) -> None:
    """Set fault knobs for one sandbox (read by each simulated program when it starts)."""
    unknown = set(knobs) - set(KNOBS)
    if unknown:
        raise KeyError(f"unknown fault knobs: {sorted(unknown)}")
    path = Path(sandbox) / FAULTS_FILE
    current = {}
    if path.exists():
        current = json.loads(path.read_text())
    current.update({k: v for k, v in knobs.items() if v is not None})
    for k, v in knobs.items():
        if v is None:
            current.pop(k, None)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, indent=1))
    os.replace(tmp, path)
