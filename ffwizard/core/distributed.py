"""Distributed installations: the shards (and perhaps the extraction servers) on other hosts
than sf-api. ffwizard edits one compose project, so when this one runs no shard and sf-api's
shards live elsewhere, or only a balancer stands for the extraction service, the installation is
refused in one sentence that names where those parts live and what to do there."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ffwizard.core.installation import ComposeService, Problem
from ffwizard.i18n import _, ngettext

# The extraction service itself, told by its image (a balancer's name contains the same words).
EXTRACTION_IMAGE = re.compile(r"(?:^|/)extraction-api-(?:cpu|gpu)(?::|$)")
BALANCER = re.compile(r"extraction-api-lb|extraction-lb")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "0.0.0.0", "")


def is_extraction_service(service: ComposeService) -> bool:
    return EXTRACTION_IMAGE.search(service.image or "") is not None


def extraction_balancer(services: dict[str, ComposeService]) -> str | None:
    return next((s.name for s in services.values()
                 if BALANCER.search(s.name) or BALANCER.search(s.image or "")), None)


def local_names(services: dict[str, ComposeService], document: object) -> set[str]:
    """Host names that resolve to this compose project: loopback, its service names, and their
    container names, host names and network aliases (shards on container addresses)."""
    names = set(LOOPBACK) | set(services)
    table = document.get("services") if isinstance(document, dict) else None
    for body in (table.values() if isinstance(table, dict) else ()):
        if not isinstance(body, dict):
            continue
        names |= {str(body[key]) for key in ("container_name", "hostname") if body.get(key)}
        networks = body.get("networks")
        for network in (networks.values() if isinstance(networks, dict) else ()):
            if isinstance(network, dict):
                names |= {str(alias) for alias in network.get("aliases") or ()}
    return names


def url_hosts(urls: list[tuple[str, str]]) -> list[str]:
    """The distinct hosts of the master URLs, in order."""
    hosts: list[str] = []
    for master, _slave in urls:
        try:
            host = urlsplit(master).hostname or ""
        except ValueError:
            continue
        if host not in hosts:
            hosts.append(host)
    return hosts


def problems(services: dict[str, ComposeService], document: object, *,
             runs_shards: bool, sf_urls: list[tuple[str, str]], sf_where: str,
             compose_where: str) -> list[Problem]:
    """One refusal for a distributed installation, or nothing."""
    hosts = url_hosts(sf_urls)
    local = local_names(services, document)
    if not runs_shards and hosts and not any(host in local for host in hosts):
        return [Problem("error", ngettext(
            "this compose file runs no shard: sf-api's {count} shard lives on {hosts} (a "
            "distributed installation), and ffwizard migrates only shards, sf-api and the "
            "extraction service of one compose file. Migrate by hand with the vendor's "
            "procedure: add the new shard services in the compose file on {hosts}, then switch "
            "sf-api here.",
            "this compose file runs no shard: sf-api's {count} shards live on {hosts} (a "
            "distributed installation), and ffwizard migrates only shards, sf-api and the "
            "extraction service of one compose file. Migrate by hand with the vendor's "
            "procedure: add the new shard services in the compose file on {hosts}, then switch "
            "sf-api here.", len(sf_urls)).format(count=len(sf_urls), hosts=", ".join(hosts)),
            where=sf_where)]
    balancer = extraction_balancer(services)
    if balancer and not any(is_extraction_service(s) for s in services.values()):
        return [Problem("error", _(
            "this compose file runs no extraction service, only its balancer {balancer}: the "
            "extraction servers (a distributed installation) are on other hosts, where the model "
            "must be switched. Switch it there by hand with the vendor's procedure (step 3), "
            "then migrate the rest by hand too.").format(balancer=balancer),
            where=compose_where)]
    return []
