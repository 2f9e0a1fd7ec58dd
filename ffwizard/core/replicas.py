"""Shard replicas: a second tntapi service per shard that replicates its master.

How a tntapi replica is configured is not public. ffwizard reads it as a shard service whose
environment names its master's Tarantool address in a replication setting [guess]:
`TT_REPLICATION` (tntapi maps `TT_*` to `box.cfg`, and `box.cfg.replication` is Tarantool's
own name) or `CFG_REPLICATION_SOURCE`. sf-api lists a replica as the `slave:` URL of its
master's entry. A replica is never another shard: the new shards get new replicas beside them,
copied from the old replica services and pointed at the new masters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ffwizard.core.compose import REPLICATION_KEYS, host_of, port_of
from ffwizard.core.configs import parse_shard_url
from ffwizard.core.installation import ComposeService, Problem, Shard
from ffwizard.i18n import _

LOOPBACK = ("127.0.0.1", "localhost", "0.0.0.0", "::1", "", None)


def replication_source(service: ComposeService) -> str:
    """The replication setting of a shard service ('' for a master)."""
    for key in REPLICATION_KEYS:
        value = (service.environment.get(key) or "").strip()
        if value:
            return value
    return ""


def source_address(source: str) -> tuple[str | None, int | None]:
    """(host, port) of `user:password@host:port`, `host:port`, `http://host:port/…` or a list
    of them (the first)."""
    first = re.split(r"[,\s]+", source.strip().strip("[]'\""))[0]
    first = re.sub(r"^[a-z]+://", "", first).split("/")[0]
    first = first.rsplit("@", 1)[-1]
    return host_of(first), port_of(first)


def split_replicas(shard_services: list[ComposeService], service_names: set[str], *,
                   where: Callable[[ComposeService], str | None] | None = None) -> tuple[list[ComposeService], dict[str, ComposeService],
                                        list[Problem]]:
    """(master services, replica service by its master's name, problems).

    `where(service)` locates a service in the compose file for a problem."""
    masters = [s for s in shard_services if not replication_source(s)]
    replicas: dict[str, ComposeService] = {}
    problems: list[Problem] = []
    for service in shard_services:
        source = replication_source(service)
        if not source:
            continue
        host, port = source_address(source)
        found = [m for m in masters if port_of(m.environment.get("TT_LISTEN")) == port
                 and (host in LOOPBACK or host in (m.name, host_of(m.environment.get("TT_LISTEN"))))]
        at = where(service) if where else None
        if not found and host not in LOOPBACK and host not in service_names:
            problems.append(Problem("error", remote_replica_sentence(service.name, host, source),
                                    where=at))
            continue
        if not found:
            problems.append(Problem("error", _(
                "shard service '{service}' replicates {source}, but no shard service in the "
                "compose file listens there: ffwizard cannot tell which shard it copies.").format(
                    service=service.name, source=source), where=at))
            continue
        master = found[0]
        if master.name in replicas:
            problems.append(Problem("error", _(
                "shard '{master}' has two replica services ({first}, {second}); ffwizard "
                "migrates one replica per shard: migrate this installation by hand.").format(
                    master=master.name, first=replicas[master.name].name,
                    second=service.name), where=at))
            continue
        replicas[master.name] = service
    return masters, replicas, problems


def remote_replica_sentence(what: str, host: str | None, url: str) -> str:
    return _("the replica {url} of '{what}' lives on another host, {host}: ffwizard migrates "
             "only installations whose shards and replicas all run on this host; migrate this "
             "one by hand.").format(url=url, what=what, host=host)


def match_slave(shard: Shard, slave: str, service_names: set[str], where: str | None
                ) -> tuple[Shard, list[Problem]]:
    """The shard with sf-api's `slave:` URL checked against its replica service."""
    if not slave:
        return shard, []
    host, port = parse_shard_url(slave)
    if host not in LOOPBACK and host not in service_names:
        return shard, [Problem("error", remote_replica_sentence(shard.name, host, slave),
                               where=where)]
    replica = shard.replica
    if replica is None:
        return shard, [Problem("error", _(
            "sf-api lists {url} as the replica of shard {name}, but no service in the compose "
            "file replicates that shard (TT_REPLICATION): ffwizard would lose that replica; "
            "add its service or migrate by hand.").format(url=slave, name=shard.name),
            where=where)]
    if replica.http_port != port or (host not in LOOPBACK and host != replica.service):
        return shard, [Problem("error", _(
            "sf-api lists {url} as the replica of shard {name}, but its replica service "
            "'{service}' listens on port {port}: the compose file and the sf-api config must "
            "agree.").format(url=slave, name=shard.name, service=replica.service,
                             port=replica.http_port or "?"), where=where)]
    http_host = host if host not in LOOPBACK and host else replica.http_host
    return replace(shard, replica=replace(replica, url=slave, http_host=http_host)), []


def replica_service_names(shards: list[Shard]) -> list[str]:
    """The shards' services followed by their replicas' (what a removal of the shards stops)."""
    masters = [s.service for s in shards if s.service]
    return masters + [s.replica.service for s in shards if s.replica and s.replica.service]


def new_replica(old: Shard, new: Shard, *, shared_port: bool) -> Shard | None:
    """The replica of a new shard: the old shard's replica, renamed like the shard, its ports
    moved by the shard's offset (kept when every shard shares one port), its own data directory
    beside the new shard's, replicating the new shard."""
    replica = old.replica
    if replica is None:
        return None
    name = _renamed(replica.name, old.name, new.name, suffix="-replica")
    service = _renamed(replica.service or "", old.name, new.name, suffix="-replica") \
        if replica.service and old.name in replica.service else f"{new.service}-replica"
    http = replica.http_port
    tarantool = replica.tarantool_port
    if not shared_port:
        if http and old.http_port and new.http_port:
            http = http + new.http_port - old.http_port
        if tarantool and old.tarantool_port and new.tarantool_port:
            tarantool = tarantool + new.tarantool_port - old.tarantool_port
    http_host = service if replica.http_host == replica.service else replica.http_host
    data_dir = None
    if replica.data_dir:
        data_dir = str(Path(new.data_dir).parent / name) if new.data_dir else replica.data_dir
    url = ""
    if replica.url:
        url = f"http://{http_host}:{http}/v2/"
    return Shard(name=name, service=service, http_port=http, tarantool_port=tarantool,
                 tarantool_host=replica.tarantool_host, http_host=http_host, data_dir=data_dir,
                 url=url or None, memtx_memory=replica.memtx_memory, sources=("plan",),
                 replicates=retarget_source(replica.replicates, old, new))


def retarget_source(source: str, old: Shard, new: Shard) -> str:
    """The replication setting pointed at the new master: its host (when it is the service
    name) and its Tarantool port."""
    text = source
    if old.service and new.service and old.service in text:
        text = text.replace(old.service, new.service)
    if old.tarantool_port and new.tarantool_port:
        text = re.sub(rf"(?<=:){old.tarantool_port}(?!\d)", str(new.tarantool_port), text)
    return text


def _renamed(value: str, old: str, new: str, *, suffix: str) -> str:
    return value.replace(old, new) if old in value else f"{new}{suffix}"


def replica_of_service(service: ComposeService, shard: Shard) -> Shard:
    """A replica service read as a Shard (its ports, address and data directory)."""
    return replace(shard, replicates=replication_source(service), replica=None)
