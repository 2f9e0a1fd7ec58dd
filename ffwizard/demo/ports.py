"""Loopback ports of a sandbox: the vendor's numbers when free, else the whole set shifted.

Two sandboxes must never collide, also on ports nobody listens on yet (a stopped sandbox, the
new shards a migration will add). So a sandbox claims its block in a small registry
(`<tmp>/ffwizard-sim-ports/<offset>.json`) besides probing every port by binding it; a claim
whose sandbox is gone is taken over.

A registry is only seen by the sandboxes that use it (a test session has its own). Between the
claim and the moment its services listen, a block would look free to everyone else: so the
process that claimed it listens on one spare port of the block (`PortBlock.sentinel`, never a
service's) until the block is released or the process ends, and any probe of the block fails.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ffwizard.core.errors import UserError
from ffwizard.i18n import _

VENDOR = {"shard_http": 8101, "shard_tarantool": 32001, "sf_api": 18411, "extraction_api": 18666,
          "upload": 3333, "ntls": 3133}
STEP = 250  # the shift between blocks; 250 keeps 3133/3333 and 18411/18666 of blocks apart
MAX_SHARDS = 100


def registry_dir() -> Path:
    return Path(os.environ.get("FFSIM_PORT_REGISTRY") or Path(tempfile.gettempdir()) / "ffwizard-sim-ports")


@dataclass(frozen=True)
class PortBlock:
    offset: int
    shards: int
    shard_http: int
    shard_tarantool: int
    sf_api: int
    extraction_api: int
    upload: int
    ntls: int

    @property
    def span(self) -> int:
        """Ports kept per shard range: the shards, room for as many new ones, and a margin."""
        return 2 * self.shards + 30

    def all_ports(self) -> set[int]:
        ports = {self.sf_api, self.extraction_api, self.upload, self.ntls}
        ports.update(range(self.shard_http, self.shard_http + self.span))
        ports.update(range(self.shard_tarantool, self.shard_tarantool + self.span))
        return ports

    @property
    def sentinel(self) -> int:
        """The last port of the shard HTTP range: in the margin no shard ever takes."""
        return self.shard_http + self.span - 1

    def to_dict(self) -> dict:
        return asdict(self)

    def overlaps_itself(self) -> bool:
        ranges = [range(self.shard_http, self.shard_http + self.span),
                  range(self.shard_tarantool, self.shard_tarantool + self.span)]
        singles = [self.sf_api, self.extraction_api, self.upload, self.ntls]
        return sum(len(r) for r in ranges) + len(singles) != len(self.all_ports())

    @classmethod
    def at(cls, offset: int, shards: int) -> PortBlock:
        ports = {k: v + offset for k, v in VENDOR.items()}
        # Tarantool ports move down, not up: upwards they would enter the kernel's ephemeral
        # range (32768+), where any outgoing connection may take one at any moment.
        ports["shard_tarantool"] = VENDOR["shard_tarantool"] - offset
        return cls(offset, shards, **ports)


def ephemeral_ports() -> range:
    """The kernel's range for outgoing connections' local ports (never claim those)."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


_held: dict[tuple[str, int], socket.socket] = {}  # (root, offset) -> the sentinel's socket


def _hold(root: Path, block: PortBlock) -> bool:
    """Listen on the block's sentinel port; False if someone else has it (the block is taken)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", block.sentinel))
        sock.listen(1)
    except OSError:
        sock.close()
        return False
    _held[(str(Path(root).resolve()), block.offset)] = sock
    return True


def _let_go(root: Path, offset: int) -> None:
    sock = _held.pop((str(Path(root).resolve()), offset), None)
    if sock is not None:
        sock.close()


def _live_claims(directory: Path) -> dict[int, set[int]]:
    claims = {}
    for path in directory.glob("*.json"):
        try:
            data = json.loads(path.read_text())
            root = Path(data["root"])
            if not (root / ".sim" / "sandbox.json").exists() and time.time() - path.stat().st_mtime < 120:
                claims[data["offset"]] = set(data["ports"])  # a sandbox being built right now
                continue
            marker = json.loads((root / ".sim" / "sandbox.json").read_text())
            if marker["ports"]["offset"] != data["offset"]:
                raise ValueError("claim taken over")
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # its sandbox is gone: the block is free again
            continue
        claims[data["offset"]] = set(data["ports"])
    return claims


def claim_block(root: Path, shards: int) -> PortBlock:
    """Find a free block for `shards` shards and register it for the sandbox at `root`."""
    if shards > MAX_SHARDS:
        raise ValueError(f"at most {MAX_SHARDS} shards in a sandbox")
    directory = registry_dir()
    directory.mkdir(parents=True, exist_ok=True)
    claims = _live_claims(directory)
    taken = set().union(*claims.values()) if claims else set()
    ephemeral = ephemeral_ports()
    offset = 0
    while True:
        block = PortBlock.at(offset, shards)
        ports = block.all_ports()
        if max(ports) > 65535 or min(ports) < 1024 or block.overlaps_itself():
            raise UserError(_("no free block of loopback ports for another sandbox"))
        if any(port in ephemeral for port in ports):
            offset += STEP
            continue
        if offset not in claims and not (ports & taken) and all(port_is_free(p) for p in sorted(ports)):
            if not _hold(root, block):
                offset += STEP  # another process took the block between our look and now
                continue
            path = directory / f"{offset}.json"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                _let_go(root, offset)
                offset += STEP  # claimed between our look and now
                continue
            with os.fdopen(fd, "w") as f:
                json.dump({"offset": offset, "root": str(Path(root).resolve()), "ports": sorted(ports)}, f)
            return block
        offset += STEP


def release_block(root: Path, offset: int) -> None:
    _let_go(root, offset)
    path = registry_dir() / f"{offset}.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if data.get("root") == str(Path(root).resolve()):
        path.unlink(missing_ok=True)


def reclaim_block(root: Path, block: PortBlock) -> None:
    """Claim `block` again for the sandbox at `root`, which gave it back when it was stopped.
    Raises UserError when another sandbox claimed it meanwhile."""
    directory = registry_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{block.offset}.json"
    mine = str(Path(root).resolve())
    claims = _live_claims(directory)  # drops the claims of sandboxes that are gone
    if block.offset in claims or set(block.all_ports()) & set().union(*claims.values(), set()):
        try:
            if json.loads(path.read_text()).get("root") == mine:
                return
        except (OSError, ValueError):
            pass
        raise UserError(_("the loopback ports of the sandbox at {root} are now claimed by another "
                          "sandbox; stop that one, or build a new sandbox elsewhere.").format(
            root=mine))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return reclaim_block(root, block)  # claimed between our look and now: look again
    with os.fdopen(fd, "w") as f:
        json.dump({"offset": block.offset, "root": mine, "ports": sorted(block.all_ports())}, f)
    if (mine, block.offset) not in _held:
        _hold(root, block)  # until its services listen again (best effort: they may already)
