"""Shape `replicas`: a second tntapi per shard replicating it (the 2.4.1 site's 16 + 16), listed
by sf-api as `slave:` URLs; and `replicas-remote`, whose replicas live on the DB server.

How a tntapi replica is configured is not public [guess]: a shard service whose TT_REPLICATION
names its master's Tarantool address, read-only (TT_READ_ONLY), with its own data directory.
"""

from __future__ import annotations

import re

from ffwizard.demo.sandbox import COMPOSE_FILE, SF_API_CONFIG, Sandbox, Texts

REMOTE_HOST = "10.0.0.12"  # the DB server of a distributed install


def replica_ports(sandbox: Sandbox, index: int) -> tuple[int, int]:
    """(HTTP, Tarantool) port of shard index's replica: right after the masters' block."""
    return (sandbox.ports.shard_http + sandbox.shards + index,
            sandbox.ports.shard_tarantool + sandbox.shards + index)


def service_block(text: str, name: str) -> str:
    """The text of one service of the generated compose file (flow-style bodies)."""
    match = re.search(rf"^  {re.escape(name)}:\n(?:    .*\n|      .*\n)*", text, re.MULTILINE)
    assert match, name
    return match.group(0)


def replica_block(master: str, number: int, http: int, tarantool: int, master_tt: str) -> str:
    """A master's block turned into its replica's: name, ports, data dir, replication."""
    block = master.replace(f"shard-{number:03d}", f"shard-{number:03d}-replica")
    block = re.sub(r"CFG_LISTEN_PORT: '\d+'", f"CFG_LISTEN_PORT: '{http}'", block)
    block = re.sub(r"TT_LISTEN: '([^']*:)\d+'", rf"TT_LISTEN: '\g<1>{tarantool}'", block)
    # [guess] the replica names its master's binary port, and does not take writes
    return block.replace("TT_MEMTX_MEMORY:", f"TT_READ_ONLY: 'true', TT_REPLICATION: '{master_tt}',\n"
                         "      TT_MEMTX_MEMORY:", 1)


def add_replicas(sandbox: Sandbox, texts: Texts, *, shared_port: bool = False,
                 slave_host: str | None = None) -> Texts:
    compose = texts[COMPOSE_FILE]
    for index in range(sandbox.shards):
        number = index + 1
        name = f"findface-tarantool-server-shard-{number:03d}"
        master = service_block(compose, name)
        master_tt = re.search(r"TT_LISTEN: '([^']*)'", master).group(1)
        if shared_port:
            http, tarantool = int(re.search(r"CFG_LISTEN_PORT: '(\d+)'", master).group(1)), \
                int(master_tt.rsplit(":", 1)[1])
            source = f"{name}:{tarantool}"
        else:
            http, tarantool = replica_ports(sandbox, index)
            source = master_tt
        compose = compose.replace(master, master + replica_block(master, number, http, tarantool,
                                                                 source), 1)
        host = slave_host or (f"{name}-replica" if shared_port else "127.0.0.1")
        texts[SF_API_CONFIG] = _set_slave(texts[SF_API_CONFIG], index,
                                          f"http://{host}:{http}/v2/")
    texts[COMPOSE_FILE] = compose
    return texts


def _set_slave(text: str, index: int, url: str) -> str:
    """The `slave:` of the index-th shard entry of the generated sf-api config."""
    lines = text.split("\n")
    entries = [i for i, line in enumerate(lines) if line.startswith("  - {master:")]
    line = lines[entries[index]]
    lines[entries[index]] = line.replace("slave: ''", f"slave: '{url}'")
    return "\n".join(lines)


def make_replica_dirs(sandbox: Sandbox) -> None:
    for index in range(sandbox.shards):
        base = sandbox.root / "data/findface-tarantool-server" / f"shard-{index + 1:03d}-replica"
        for sub in ("index", "snapshots", "xlogs"):
            (base / sub).mkdir(parents=True, exist_ok=True)


def rewrite(sandbox: Sandbox, texts: Texts) -> Texts:
    return add_replicas(sandbox, texts)


def rewrite_remote(sandbox: Sandbox, texts: Texts) -> Texts:
    """The replicas are on the DB server: sf-api lists them there, the compose file has none."""
    for index in range(sandbox.shards):
        http, _tarantool = replica_ports(sandbox, index)
        texts[SF_API_CONFIG] = _set_slave(texts[SF_API_CONFIG], index,
                                          f"http://{REMOTE_HOST}:{http}/v2/")
    return texts


def finish(sandbox: Sandbox) -> None:
    make_replica_dirs(sandbox)
