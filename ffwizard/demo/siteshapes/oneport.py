"""Shape `one-port`: every shard on port 8001 of its own container address (bridge network),
sf-api naming each by its service (`http://findface-tarantool-server-shard-001:8001/v2/`), no
shard port published on the host (FindFace Server's pages, the 2.4.1 site). The names resolve
only inside the compose network. `one-port-replicas`: the same, each shard with a replica.
"""

from __future__ import annotations

import re

from ffwizard.demo.sandbox import COMPOSE_FILE, SF_API_CONFIG, Sandbox, Texts
from ffwizard.demo.siteshapes import replicas

SHARED_HTTP_PORT = 8001
SHARED_TARANTOOL_PORT = 32001


def rewrite(sandbox: Sandbox, texts: Texts) -> Texts:
    compose = texts[COMPOSE_FILE]
    for index in range(sandbox.shards):
        name = f"findface-tarantool-server-shard-{index + 1:03d}"
        block = replicas.service_block(compose, name)
        moved = block.replace("CFG_LISTEN_HOST: 127.0.0.1", "CFG_LISTEN_HOST: 0.0.0.0")
        moved = re.sub(r"CFG_LISTEN_PORT: '\d+'", f"CFG_LISTEN_PORT: '{SHARED_HTTP_PORT}'", moved)
        moved = re.sub(r"TT_LISTEN: '[^']*'", f"TT_LISTEN: '0.0.0.0:{SHARED_TARANTOOL_PORT}'", moved)
        # its own container on the project's bridge network, nothing published
        moved = moved.replace("    network_mode: service:pause\n", "")
        compose = compose.replace(block, moved, 1)
        texts[SF_API_CONFIG] = re.sub(
            rf"master: 'http://127\.0\.0\.1:{sandbox.ports.shard_http + index}/v2/'",
            f"master: 'http://{name}:{SHARED_HTTP_PORT}/v2/'", texts[SF_API_CONFIG], count=1)
    texts[COMPOSE_FILE] = compose
    return texts


def rewrite_with_replicas(sandbox: Sandbox, texts: Texts) -> Texts:
    return replicas.add_replicas(sandbox, rewrite(sandbox, texts), shared_port=True)
