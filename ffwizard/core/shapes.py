"""Which shape of FindFace a root holds.

ffwizard migrates the docker-compose deployments (FindFace Multi 2.x and FindFace CIBR, one code
base). Older or different products run the same procedure in another shape (systemd services,
plain `docker run`): those are recognised by their well-known paths and refused with a sentence
that says what they are and what to do. Only names of files are listed here, nothing is opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ffwizard.core.installation import COMPOSE_FILE_NAMES
from ffwizard.core.settings import DEFAULT_ROOT
from ffwizard.i18n import _, ngettext

CIBR_ROOT = Path("/opt/findface-cibr")
# FindFace Multi 2.0 kept one Tarantool config per shard here (the shards were counted by them).
SHARD_LUA_DIR = Path("configs/findface-tarantool-server")
SHARD_LUA_NAME = re.compile(r"^shard-\d+\.lua$")
SHARD_DIR_NAME = re.compile(r"^shard-\d+$")


@dataclass(frozen=True)
class WellKnownPaths:
    """Places outside the install root that tell other shapes apart (injectable for tests)."""

    # FindFace Multi 1.x / Security 4.x: one systemd Tarantool instance per shard.
    tarantool_instances: Path = Path("/etc/tarantool/instances.available")
    # FindFace Server core: plain `docker run` containers, shard data here.
    ffserver_shard_data: Path = Path("/opt/ffserver/data/tnt")
    multi_root: Path = DEFAULT_ROOT
    cibr_root: Path = CIBR_ROOT


WELL_KNOWN = WellKnownPaths()


def matching_names(directory: Path, pattern: re.Pattern[str]) -> list[str]:
    """Sorted names in `directory` that match `pattern`; none when it cannot be listed."""
    try:
        return sorted(p.name for p in directory.iterdir() if pattern.match(p.name))
    except OSError:
        return []


def shard_lua_configs(root: Path) -> list[str]:
    """FindFace Multi 2.0's per-shard Tarantool configs (`shard-001.lua`, …) under the root."""
    return matching_names(root / SHARD_LUA_DIR, SHARD_LUA_NAME)


def has_compose_file(root: Path) -> bool:
    return any((root / name).is_file() for name in COMPOSE_FILE_NAMES)


def product_name(root: Path, well_known: WellKnownPaths = WELL_KNOWN) -> str:
    """The product a compose-based root holds, for headings."""
    if root == well_known.cibr_root or "cibr" in root.name.lower():
        return "FindFace CIBR"
    return "FindFace Multi"


def refusal(root: Path, well_known: WellKnownPaths = WELL_KNOWN) -> str:
    """The sentence for a root that holds no compose file: what is there and what to do."""
    root_is_dir = root.is_dir()
    if (not root_is_dir and root == well_known.multi_root
            and has_compose_file(well_known.cibr_root)):
        return _("there is no FindFace Multi at {root}, but FindFace CIBR is installed at "
                 "{cibr}: run again with --root {cibr}.").format(root=root,
                                                                cibr=well_known.cibr_root)
    systemd_dirs = [root / "instances.available", well_known.tarantool_instances]
    ffserver_dirs = [root / "data/tnt", well_known.ffserver_shard_data]
    if root.name == "instances.available":  # --root pointed at the systemd configs themselves
        systemd_dirs.insert(0, root)
    if root.name == "tnt":
        ffserver_dirs.insert(0, root)
    for directory in systemd_dirs:
        configs = matching_names(directory, SHARD_LUA_NAME)
        if configs:
            return ngettext(
                "no docker-compose install at {root}: this machine runs FindFace Multi 1.x or "
                "FindFace Security 4.x, whose {count} shard is a systemd service "
                "({directory}/shard-*.lua). ffwizard migrates FindFace Multi 2.x and CIBR only; "
                "migrate this version by hand with the vendor's procedure for it.",
                "no docker-compose install at {root}: this machine runs FindFace Multi 1.x or "
                "FindFace Security 4.x, whose {count} shards are systemd services "
                "({directory}/shard-*.lua). ffwizard migrates FindFace Multi 2.x and CIBR only; "
                "migrate this version by hand with the vendor's procedure for it.",
                len(configs)).format(root=root, count=len(configs), directory=directory)
    for directory in ffserver_dirs:
        shards = matching_names(directory, SHARD_DIR_NAME)
        if shards:
            return ngettext(
                "no docker-compose install at {root}: this machine runs FindFace Server, whose "
                "{count} shard is a plain docker container (data in {directory}/). ffwizard "
                "migrates FindFace Multi 2.x and CIBR only; migrate FindFace Server by hand with "
                "the vendor's procedure.",
                "no docker-compose install at {root}: this machine runs FindFace Server, whose "
                "{count} shards are plain docker containers (data in {directory}/). ffwizard "
                "migrates FindFace Multi 2.x and CIBR only; migrate FindFace Server by hand with "
                "the vendor's procedure.",
                len(shards)).format(root=root, count=len(shards), directory=directory)
    if root.is_file():
        return _("{root} is a file: give the install root, the directory holding "
                 "docker-compose.yaml (here, perhaps --root {parent}).").format(
                     root=root, parent=root.parent)
    if not root_is_dir:
        return _("there is no directory {root}: give the FindFace install root (the directory "
                 "holding docker-compose.yaml) with --root.").format(root=root)
    if shard_lua_configs(root):
        return _("{root} holds FindFace shard configs ({lua_dir}/shard-*.lua) but no "
                 "docker-compose.yaml: give the directory that holds the compose file with "
                 "--root.").format(root=root, lua_dir=SHARD_LUA_DIR)
    return _("{root} holds no FindFace installation (no docker-compose.yaml): give the install "
             "root (the directory holding docker-compose.yaml) with --root.").format(root=root)
