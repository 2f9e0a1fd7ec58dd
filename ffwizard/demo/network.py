"""The simulated compose network: each service's own address, and names that resolve to them.

Docker gives every container of a bridge network its own address, and its DNS resolves service
names inside that network only. The simulation does the same on loopback: each service of a
sandbox gets an address of its own in 127.0.0.0/8 (`.sim/addresses.json`, kept for the life of
the sandbox, new services appended), and the simulated programs resolve a service name through
that file (`FFSIM_HOSTS`). A service that listens on 0.0.0.0 or on its own name binds its own
address, so many shards can share one port (FindFace Server's `http://tnt-1-1:8001/v2/`) while
nothing of them is reachable at 127.0.0.1. Addresses differ between sandboxes (by the sandbox's
port block), so two sandboxes never collide.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

ADDRESSES = Path(".sim") / "addresses.json"
HOSTS_ENV = "FFSIM_HOSTS"
ADDRESS_ENV = "FFSIM_ADDRESS"
WILDCARD = ("0.0.0.0", "", "::")


def _sandbox_number(root: Path) -> int:
    try:
        marker = json.loads((root / ".sim" / "sandbox.json").read_text())
        return int(marker["ports"]["offset"]) // 250
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def addresses(root: Path) -> dict[str, str]:
    try:
        data = json.loads((Path(root) / ADDRESSES).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def address_of(root: Path, service: str) -> str:
    """The service's own address (assigned on first use, under a lock: processes share it)."""
    root = Path(root)
    path = root / ADDRESSES
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        known = addresses(root)
        if service not in known:
            index = len(known) + 1
            known[service] = f"127.{20 + _sandbox_number(root) % 200}.{index // 250}.{index % 250 + 1}"
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(known, indent=1) + "\n")
            os.replace(tmp, path)
        return known[service]


def resolve(host: str) -> str:
    """A host as the programs inside the simulated network reach it: a service name becomes its
    address (FFSIM_HOSTS names the sandbox's address file); anything else is left as it is."""
    hosts = os.environ.get(HOSTS_ENV)
    if not hosts or not host:
        return host
    try:
        known = json.loads(Path(hosts).read_text())
    except (OSError, ValueError):
        return host
    return str(known.get(host, host)) if isinstance(known, dict) else host


def listen_host(configured: str, service: str) -> str:
    """Where a service binds: its own address for 0.0.0.0 or its own name, else as configured."""
    own = os.environ.get(ADDRESS_ENV)
    if own and (configured in WILDCARD or configured == service):
        return own
    return resolve(configured)
