"""Shards: merged from the three sources that describe them, and the new ones to propose.

Sources: the data directories (`data/findface-tarantool-server/shard-*`), the compose services
that run Tarantool (recognised by their environment), and sf-api's `storage-api.shards`. Each
disagreement between them is reported as a problem.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from ffwizard.core.compose import host_of, port_of, shard_data_volume
from ffwizard.core.configs import parse_shard_url
from ffwizard.core.installation import (
    SHARDS_DATA_DIR,
    ComposeService,
    Installation,
    Problem,
    Shard,
    ShardSpec,
)
from ffwizard.core.replicas import (
    match_slave,
    new_replica,
    remote_replica_sentence,
    replica_of_service,
    split_replicas,
)
from ffwizard.i18n import _, ngettext

LOOPBACK = ("127.0.0.1", "localhost", "0.0.0.0", "::1", None)
NAME_NUMBER = re.compile(r"^(?P<prefix>.*?)(?P<number>\d+)$")
SERVICE_PREFIX = "findface-tarantool-server-"


def _service_shard_name(service: ComposeService, data_dir: str | None) -> str:
    if data_dir:
        return Path(data_dir).name
    name = service.name
    return name[len(SERVICE_PREFIX):] if name.startswith(SERVICE_PREFIX) else name


def merge_shards(root: Path, compose_dir: Path | None, shard_services: list[ComposeService],
                 sf_api_urls: list[tuple[str, str]], *, compose_where: str | None,
                 sf_api_where: str, sf_api_text: str = "",
                 service_names: set[str] | frozenset[str] = frozenset()
                 ) -> tuple[list[Shard], list[str], list[Problem]]:
    """(shards in use, leftover data dir names, problems). `sf_api_text` gives line numbers;
    `service_names`: every compose service (a replica's host may be one)."""

    def sf_line(url: str) -> str:
        for number, line in enumerate(sf_api_text.splitlines(), 1):
            if url in line:
                return f"{sf_api_where}:{number}"
        return sf_api_where

    problems: list[Problem] = []
    data_root = root / SHARDS_DATA_DIR
    dir_names = sorted(p.name for p in data_root.glob("shard-*") if p.is_dir()) \
        if data_root.is_dir() else []

    masters, replica_services, replica_problems = split_replicas(
        shard_services, set(service_names), where=lambda s: _at(compose_where, s.line))
    problems += replica_problems

    def shard_of(service: ComposeService) -> Shard:
        env = service.environment
        volume = shard_data_volume(service)
        data_dir = None
        if volume:
            path = Path(volume)
            data_dir = str(path if path.is_absolute() else ((compose_dir or root) / path).resolve())
        else:
            problems.append(Problem("error", _(
                "shard service '{service}' mounts no data directory at its work dir "
                "({work_dir}).").format(
                    service=service.name,
                    work_dir=env.get("TT_WORK_DIR") or "/var/lib/tarantool/FindFace"),
                where=_at(compose_where, service.line)))
        http_host = env.get("CFG_LISTEN_HOST") or "127.0.0.1"
        shard = Shard(
            name=_service_shard_name(service, data_dir),
            service=service.name,
            http_port=port_of(env.get("CFG_LISTEN_PORT")),
            tarantool_port=port_of(env.get("TT_LISTEN")),
            tarantool_host=host_of(env.get("TT_LISTEN")) or "127.0.0.1",
            http_host="127.0.0.1" if http_host == "0.0.0.0" else http_host,
            data_dir=data_dir,
            memtx_memory=_int(env.get("TT_MEMTX_MEMORY")),
            sources=("compose",),
        )
        if shard.http_port is None:
            problems.append(Problem("error", _(
                "shard service '{service}' has no usable HTTP port: CFG_LISTEN_PORT is "
                "{value}.").format(service=service.name, value=repr(env.get("CFG_LISTEN_PORT"))),
                where=_at(compose_where, service.line)))
        if data_dir and not Path(data_dir).is_dir():
            problems.append(Problem("error", _(
                "shard service '{service}' uses the data directory {data_dir}, which does not "
                "exist.").format(service=service.name, data_dir=data_dir),
                where=_at(compose_where, service.line)))
        return shard

    shards: list[Shard] = []
    by_service: dict[str, int] = {}
    for service in masters:
        shard = shard_of(service)
        if service.name in replica_services:
            replica_service = replica_services[service.name]
            shard = replace(shard, replica=replica_of_service(replica_service,
                                                            shard_of(replica_service)))
        by_service[service.name] = len(shards)
        shards.append(shard)

    lines = {s.name: s.line for s in shard_services}

    def _service_line(name: str | None) -> int | None:
        return lines.get(name) if name is not None else None

    # sf-api URLs → services, by port (and host when several services share a port).
    matched: set[str] = set()
    for index, (master, slave) in enumerate(sf_api_urls, 1):
        host, port = parse_shard_url(master)
        # Only the compose file's shards (a shard only sf-api names has no service to match).
        candidates = [s for s in shards if s.service is not None and s.http_port == port
                      and s.service not in matched]
        if len(candidates) > 1 or (candidates and host not in LOOPBACK):
            by_host = [s for s in candidates if host in (s.service, s.http_host)]
            candidates = by_host if by_host or host not in LOOPBACK else candidates
        if len(candidates) > 1:
            candidates = candidates[:1]
        if not candidates:
            problems.append(Problem("error", _(
                "sf-api uses shard {url} (entry {index}), but no shard service in the compose "
                "file listens on port {port}.").format(url=master, index=index, port=port),
                where=sf_line(master)))
            shards.append(Shard(name=f"sf-api-{index}", http_host=host or "127.0.0.1",
                                http_port=port, url=master, slave_url=slave,
                                sources=("sf-api",)))
            slave_host, _port = parse_shard_url(slave) if slave else (None, None)
            if slave and slave_host not in LOOPBACK and slave_host not in service_names:
                problems.append(Problem("error", remote_replica_sentence(
                    master, slave_host, slave), where=sf_line(slave)))
            continue
        shard = candidates[0]
        assert shard.service is not None  # a compose service, as chosen above
        matched.add(shard.service)
        position = by_service[shard.service]
        shard = replace(shard, url=master, slave_url=slave,
                        http_host=host if host not in LOOPBACK else shard.http_host,
                        sources=shard.sources + ("sf-api",))
        shards[position], slave_problems = match_slave(shard, slave, set(service_names),
                                                       sf_line(slave) if slave else None)
        problems += slave_problems
    for shard in shards:
        if "compose" in shard.sources and shard.service not in matched and sf_api_urls:
            problems.append(Problem("error", _(
                "the compose file runs shard service '{service}' (port {port}), but sf-api does "
                "not use it: the shards in the compose file and in the sf-api config must "
                "agree.").format(service=shard.service, port=shard.http_port or "?"),
                where=_at(compose_where, _service_line(shard.service))))

    # Data directories.
    used_dirs = {Path(s.data_dir).name for s in shards + [r.replica for r in shards if r.replica]
                 if s and s.data_dir and Path(s.data_dir).parent == data_root.resolve()}
    for shard_index, shard in enumerate(shards):
        if shard.data_dir and Path(shard.data_dir).is_dir():
            shards[shard_index] = replace(shard, sources=shard.sources + ("dir",))
    leftovers = [name for name in dir_names if name not in used_dirs]
    if leftovers:
        problems.append(Problem(
            "warning", _("data directories with no shard service: {names} (left from an "
                         "earlier migration?). They are kept and their names are not "
                         "reused.").format(names=", ".join(leftovers)), where=str(data_root)))
    if not shards:
        problems.append(Problem("error", _("no shard found: no Tarantool shard service in the "
                                           "compose file and none in the sf-api config."),
                                where=compose_where))
    shards.sort(key=lambda s: ("compose" not in s.sources, _number(s.name) is None,
                               _number(s.name) or 0, s.name))
    return shards, leftovers, problems


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _at(where: str | None, line: int | None) -> str | None:
    return f"{where}:{line}" if where and line else where


def _number(name: str) -> int | None:
    match = NAME_NUMBER.match(name)
    return int(match["number"]) if match else None


# --- proposals --------------------------------------------------------------------------------

def shares_one_port(installation: Installation) -> bool:
    """True when every shard listens on the same port, each on its own address."""
    ports = {s.http_port for s in installation.shards}
    hosts = {s.http_host for s in installation.shards}
    return len(installation.shards) > 1 and len(ports) == 1 and len(hosts) == len(installation.shards)


def taken_names(installation: Installation) -> set[str]:
    names = {s.name for s in installation.shards} | set(installation.leftover_shard_dirs)
    names |= {s.replica.name for s in installation.shards if s.replica}
    names |= {name.removesuffix(".lua") for name in installation.shard_configs}
    return names | set(installation.services)


def taken_ports(installation: Installation) -> set[int]:
    ports = set(installation.used_ports)
    for shard in installation.shards + [s.replica for s in installation.shards if s.replica]:
        ports.update(p for p in (shard.http_port, shard.tarantool_port) if p)
    return ports


# Whether another program listens on a port of this host (`host_port_in_use`; None: not asked).
PortProbe = Callable[[int], bool]


def host_port_in_use(port: int) -> bool:
    """Whether a port of this host's loopback cannot be bound (another program holds it): the
    run's preflight refuses such a port for a new shard, so the plan must not propose it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def propose_new_shards(installation: Installation, port_in_use: PortProbe | None = None,
                       ) -> tuple[list[ShardSpec], list[Problem]]:
    """As many new shards as old ones, in the first block of 10 above every name and port in use.

    The same offset moves names and both ports (shard-001/8101/32001 → shard-011/8111/32011),
    which keeps the old layout's shape. When all shards share one port on their own address,
    the new ones do too. `port_in_use` (when given) tells the ports another program listens on
    on this host: a block holding one is passed over, and the plan says so.
    """
    problems: list[Problem] = []
    old = [s for s in installation.shards if s.http_port]
    if not old:
        return [], problems
    # Shards only sf-api knows of have no name of their own: they take the next numbers.
    named = [s for s in old if "sf-api" not in s.sources or "compose" in s.sources]
    names = _fill([_number(s.name) if s in named else None for s in old])
    if len(set(names)) != len(names):
        names = list(range(1, len(old) + 1))
    numbered = [m for m in (NAME_NUMBER.match(s.name) for s in named) if m and int(m["number"])]
    width = max((len(m["number"]) for m in numbered), default=3)
    prefix = next((m["prefix"] for m in numbered), "shard-")
    shared = shares_one_port(installation)
    taken = taken_names(installation)
    ports = taken_ports(installation)
    all_numbers = [n for n in (_number(x) for x in taken) if n is not None] or names
    https = [s.http_port for s in old if s.http_port]  # all of them: `old` has ports
    # A shard whose Tarantool port no source tells gets the next one after the others.
    tnts = _fill([s.tarantool_port for s in old], start=32001)
    offset = 10
    busy: list[int] = []  # ports of passed-over blocks another program listens on
    for _attempt in range(1000):
        # above every existing name (leftover directories included) and every shard port
        if min(names) + offset > max(all_numbers) and (
                shared or (min(https) + offset > max(https) and min(tnts) + offset > max(tnts))):
            specs = [ShardSpec(f"{prefix}{n + offset:0{width}d}",
                               h if shared else h + offset,
                               t if shared else t + offset)
                     for n, h, t in zip(names, https, tnts)]
            if all(_spec_free(spec, taken, ports, installation, shared) for spec in specs) \
                    and all(s.http_port <= 65535 and s.tarantool_port <= 65535 for s in specs) \
                    and not replica_port_clashes(installation, specs):
                held = [] if shared or port_in_use is None else [
                    port for spec in specs for port in (spec.http_port, spec.tarantool_port)
                    if port_in_use(port)]
                if not held:
                    break
                busy += held
        offset += 10
    else:  # pragma: no cover - needs ~10000 ports taken
        problems.append(Problem("error", _("found no free block of shard names and ports; "
                                           "give new_shards in the answers file.")))
        return [], problems
    if busy:
        problems.append(Problem("info", ngettext(
            "port {ports} is in use on this host by another program: the new shards take the "
            "next free block of ports.",
            "ports {ports} are in use on this host by other programs: the new shards take the "
            "next free block of ports.", len(busy)).format(
                ports=", ".join(str(p) for p in sorted(set(busy))))))
    if shared:
        problems.append(Problem(
            "info", _("every shard listens on port {port} on its own address; the new shards "
                      "do the same (port {port}, Tarantool port {tarantool_port}), each "
                      "addressed by its service name.").format(
                          port=old[0].http_port, tarantool_port=old[0].tarantool_port)))
    return specs, problems


def _fill(values: list[int | None], start: int = 1) -> list[int]:
    """Missing values (None) replaced by the next numbers above the known ones."""
    known = [v for v in values if v is not None]
    following = max(known) + 1 if known else start
    result: list[int] = []
    for value in values:
        if value is None:
            value, following = following, following + 1
        result.append(value)
    return result


def _spec_free(spec: ShardSpec, taken: set[str], ports: set[int], installation: Installation,
               shared: bool) -> bool:
    if spec.name in taken or service_name_for(installation, spec.name) in installation.services:
        return False
    return shared or (spec.http_port not in ports and spec.tarantool_port not in ports)


def validate_new_shards(installation: Installation, specs: Sequence[ShardSpec], *,
                        port_in_use: PortProbe | None = None,
                        where: str | None = None, item_where: list[str | None] | None = None,
                        listed: int | None = None) -> list[Problem]:
    """Problems of the new shards the user gave. `item_where[i]` locates spec i (else `where`).
    `listed`: how many shards the user listed, when some of them are not in `specs` because
    they could not be read (a table row with an empty port has a problem of its own)."""
    problems: list[Problem] = []
    spec_where = where

    def error(message: str) -> None:
        problems.append(Problem("error", message, where=spec_where))

    count = len(specs) if listed is None else listed
    if count != len(installation.shards):
        error(_("new_shards lists {count} shards; the installation has {existing}: the "
                "migration needs the same number of new shards.").format(
                    count=count, existing=len(installation.shards)))
    shared = shares_one_port(installation)
    taken = taken_names(installation)
    ports = taken_ports(installation)
    seen_names: set[str] = set()
    seen_ports: set[int] = set()
    for index, spec in enumerate(specs):
        if item_where and index < len(item_where):
            spec_where = item_where[index]
        if spec.name.startswith("-"):
            error(_("new shard name '{name}' may not start with '-' (a command would read it as "
                    "an option).").format(name=spec.name))
        elif not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", spec.name):
            error(_("new shard name '{name}' may hold only letters, digits, '-', '_' and "
                    "'.'.").format(name=spec.name))
        if spec.name in seen_names:
            error(_("new shard name '{name}' is given twice.").format(name=spec.name))
        elif spec.name in taken or service_name_for(installation, spec.name) in installation.services:
            error(_("new shard name '{name}' is already used by an existing shard, data "
                    "directory or service.").format(name=spec.name))
        seen_names.add(spec.name)
        for key, port in (("http_port", spec.http_port), ("tarantool_port", spec.tarantool_port)):
            if not 1 <= port <= 65535:
                error(PORT_MESSAGES[key]["range"]().format(name=spec.name, port=port))
            elif shared:
                continue
            elif port in seen_ports:
                error(PORT_MESSAGES[key]["twice"]().format(name=spec.name, port=port))
            elif port in ports:
                error(PORT_MESSAGES[key]["in_use"]().format(
                    name=spec.name, port=port, user=port_user(installation, port)))
            elif port_in_use is not None and port_in_use(port):
                error(PORT_MESSAGES[key]["host"]().format(name=spec.name, port=port))
            seen_ports.add(port)
    if not problems:
        problems += [Problem("error", sentence, where=where)
                     for sentence in replica_port_clashes(installation, specs)]
    return problems


def replica_port_clashes(installation: Installation, specs: Sequence[ShardSpec]) -> list[str]:
    """Sentences for each new replica whose ports (moved with its shard's) are taken."""
    if shares_one_port(installation):
        return []
    ports = taken_ports(installation) | {p for s in specs for p in (s.http_port, s.tarantool_port)}
    clashes: list[str] = []
    for shard in new_shards_for(installation, specs):
        replica = shard.replica
        if replica is None:
            continue
        for port in (replica.http_port, replica.tarantool_port):
            if port and (port in ports or not 1 <= port <= 65535):
                clashes.append(_("the replica {name} of the new shard {shard} would take port "
                                 "{port}, which is in use or no port: choose other ports for "
                                 "{shard} in new_shards.").format(
                                     name=replica.name, shard=shard.name, port=port))
            ports.add(port or 0)
    return clashes


# Whole sentences for each port of a new shard (word order differs between languages).
PORT_MESSAGES = {
    "http_port": {
        "range": lambda: _("{name}: HTTP port {port} is not a port number (1 to 65535)."),
        "twice": lambda: _("{name}: HTTP port {port} is given twice."),
        # TRANSLATORS: {user} is "by shard shard-001", "by service redis in the compose file", ...
        "in_use": lambda: _("{name}: HTTP port {port} is already in use ({user})."),
        "host": lambda: _("{name}: HTTP port {port} is in use on this host by another program: "
                          "choose another."),
    },
    "tarantool_port": {
        "range": lambda: _("{name}: Tarantool port {port} is not a port number (1 to 65535)."),
        "twice": lambda: _("{name}: Tarantool port {port} is given twice."),
        "in_use": lambda: _("{name}: Tarantool port {port} is already in use ({user})."),
        "host": lambda: _("{name}: Tarantool port {port} is in use on this host by another "
                          "program: choose another."),
    },
}


def port_user(installation: Installation, port: int) -> str:
    """Who holds a port, in words: a shard, or the compose service that mentions it."""
    for shard in installation.shards:
        if port in (shard.http_port, shard.tarantool_port):
            # TRANSLATORS: completes "port 8101 is already in use (...)".
            return _("by shard {name}").format(name=shard.name)
    if port in installation.port_users:
        # TRANSLATORS: completes "port 8101 is already in use (...)".
        return _("by service {service} in the compose file").format(
            service=installation.port_users[port])
    # TRANSLATORS: completes "port 8101 is already in use (...)".
    return _("in the compose file")


def service_name_for(installation: Installation, name: str) -> str:
    """The compose service name of a new shard, shaped like the existing ones."""
    for shard in installation.shards:
        if shard.service and shard.name in shard.service:
            return shard.service.replace(shard.name, name)
    return f"{SERVICE_PREFIX}{name}"


def new_shards_for(installation: Installation, specs: Sequence[ShardSpec]) -> list[Shard]:
    """The new shards of `specs`, the i-th beside the i-th old shard (its replica copied)."""
    olds = list(installation.shards)
    return [new_shard_from_spec(installation, spec, olds[i] if i < len(olds) else None)
            for i, spec in enumerate(specs)]


def new_shard_from_spec(installation: Installation, spec: ShardSpec,
                        old: Shard | None = None) -> Shard:
    service = service_name_for(installation, spec.name)
    data_root = installation.root / SHARDS_DATA_DIR
    old_dir = next((s.data_dir for s in installation.shards if s.data_dir), None)
    if old_dir is not None:
        data_root = Path(old_dir).parent
    shared = shares_one_port(installation)
    template = installation.shards[-1] if installation.shards else None
    http_host = service if shared and template and template.http_host == template.service \
        else (template.http_host if template else "127.0.0.1")
    tarantool_host = template.tarantool_host if template else "127.0.0.1"
    shard = Shard(
        name=spec.name,
        service=service,
        http_port=spec.http_port,
        tarantool_port=spec.tarantool_port,
        tarantool_host=tarantool_host,
        http_host=http_host,
        data_dir=str(data_root / spec.name),
        url=f"http://{http_host}:{spec.http_port}/v2/",
        slave_url="",
        memtx_memory=template.memtx_memory if template else None,
        sources=("plan",),
    )
    replica = new_replica(old, shard, shared_port=shared) if old is not None else None
    if replica is not None:
        # sf-api lists the new replica where it listed the old one (never '' over a replica).
        shard = replace(shard, replica=replica, slave_url=replica.url or "")
    return shard
