"""FindFace Multi 2.0's shard services: each runs from its own
`configs/findface-tarantool-server/shard-NNN.lua`, mounted into the service, with no CFG_*/TT_*
environment to read its ports and data directory from. ffwizard cannot make new shards of that
kind, so such an installation is refused in one sentence (not one problem per shard)."""

from __future__ import annotations

import re

from ffwizard.core.compose import is_shard_service, split_volume
from ffwizard.core.installation import ComposeService, Problem
from ffwizard.i18n import ngettext

SHARD_LUA_FILE = re.compile(r"(?:^|/)shard-\d+\.lua$")
SHARD_SERVICE_NAME = re.compile(r"(?:^|[-_])shard-\d+$")
TNTAPI_IMAGE = re.compile(r"(?:^|/)tntapi(?::|$)")


def mounts_shard_lua(service: ComposeService) -> bool:
    return any(SHARD_LUA_FILE.search(split_volume(volume)[0]) for volume in service.volumes)


def lua_configured_shards(services: dict[str, ComposeService]) -> list[ComposeService]:
    """Shard services without CFG_*/TT_* environment: those that mount a shard-NNN.lua, or are
    named like a shard and run the tntapi image."""
    return [service for service in services.values() if not is_shard_service(service) and (
        mounts_shard_lua(service) or (SHARD_SERVICE_NAME.search(service.name) is not None
                                      and TNTAPI_IMAGE.search(service.image or "") is not None))]


def refusal(lua_shards: list[ComposeService], where: str) -> Problem:
    names = sorted(s.name for s in lua_shards)
    return Problem("error", ngettext(
        "{count} shard service ({example}) is configured by its own shard-NNN.lua file, not by "
        "CFG_*/TT_* environment: that is the FindFace Multi 2.0 layout, whose new shards "
        "ffwizard cannot set up; upgrade FindFace Multi first, or migrate by hand with the "
        "vendor's procedure for 2.0.",
        "{count} shard services ({example}, …) are configured by their own shard-NNN.lua files, "
        "not by CFG_*/TT_* environment: that is the FindFace Multi 2.0 layout, whose new shards "
        "ffwizard cannot set up; upgrade FindFace Multi first, or migrate by hand with the "
        "vendor's procedure for 2.0.", len(names)).format(count=len(names), example=names[0]),
        where=where)
