"""`multi-2.0`: FindFace Multi 2.0's shards, each configured by its own
`configs/findface-tarantool-server/shard-NNN.lua` mounted into its service, with no CFG_*/TT_*
environment. ffwizard refuses it: it cannot set up new shards of that kind. (The simulated
shard services run as plain containers: the simulation reads shard settings from the
environment only.)"""

from __future__ import annotations

from ffwizard.demo.sandbox import (
    COMPOSE_FILE,
    DEMO_MEMTX_MEMORY,
    Sandbox,
    Texts,
    shard_service_text,
)

LUA_DIR = "configs/findface-tarantool-server"
LUA_IN_CONTAINER = "/etc/tarantool/instances.enabled/FindFace.lua"


def shard_lua_text(sandbox: Sandbox, index: int) -> str:
    p = sandbox.ports
    return (f"-- FindFace Multi 2.0: the settings of shard-{index + 1:03d}\n"
            f"box.cfg{{listen = '127.0.0.1:{p.shard_tarantool + index}', "
            f"work_dir = '/var/lib/tarantool/FindFace', memtx_dir = 'snapshots', "
            f"wal_dir = 'xlogs', memtx_memory = {DEMO_MEMTX_MEMORY}, checkpoint_count = 3, "
            f"force_recovery = true}}\n"
            f"dofile('/tnt_schema.lua')\n"
            f"FindFace = require('FindFace')\n"
            f"FindFace.start('127.0.0.1', {p.shard_http + index}, "
            f"{{license_ntls_server = '127.0.0.1:{p.ntls}'}})\n")


def shard_service(index: int) -> str:
    n = index + 1
    return (
        f"  findface-tarantool-server-shard-{n:03d}:\n"
        f"    command: [tarantool, {LUA_IN_CONTAINER}]\n"
        f"    depends_on: [findface-ntls]\n"
        f"    image: docker.int.ntl/ntech/universe/tntapi:ffserver-9.230407.1\n"
        f"    logging: {{driver: journald}}\n"
        f"    network_mode: service:pause\n"
        f"    restart: always\n"
        f"    volumes: ['./data/findface-tarantool-server/shard-{n:03d}:/var/lib/tarantool/FindFace',\n"
        f"      './{LUA_DIR}/shard-{n:03d}.lua:{LUA_IN_CONTAINER}:ro',\n"
        f"      './{LUA_DIR}/tnt-schema.lua:/tnt_schema.lua:ro']\n")


def rewrite(sandbox: Sandbox, texts: Texts) -> Texts:
    compose = texts[COMPOSE_FILE]
    result = dict(texts)
    for index in range(sandbox.shards):
        vendor = shard_service_text(sandbox, index)
        assert vendor in compose, "the vendor's shard service is in its compose file"
        compose = compose.replace(vendor, shard_service(index))
        result[f"{LUA_DIR}/shard-{index + 1:03d}.lua"] = shard_lua_text(sandbox, index)
    result[COMPOSE_FILE] = compose
    return result
