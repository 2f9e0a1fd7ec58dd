"""`distributed`: the application server of a distributed installation. The shards run on a DB
server (sf-api lists them at DB_HOST), the extraction servers on their own hosts behind the
balancer service findface-extraction-api-lb; this compose file runs neither, and no shard data
is here. ffwizard refuses it, naming the host the shards live on."""

from __future__ import annotations

import re
import shutil

from ffwizard.demo.sandbox import COMPOSE_FILE, SF_API_CONFIG, Sandbox, Texts, shard_service_text

DB_HOST = "192.0.2.20"  # a documentation address: nothing answers there
SHARDS_COMMENT = "  # Tarantool shards: one service per shard-NNN data directory.\n"
EXTRACTION_SERVICE = re.compile(r"^  findface-extraction-api:\n(?:    .*\n|      .*\n)+", re.MULTILINE)
BALANCER = (
    "  findface-extraction-api-lb:\n"
    "    # the extraction servers: 192.0.2.31:18666, 192.0.2.32:18666\n"
    "    image: docker.int.ntl/ntech/3rdparty/nginx:1.25\n"
    "    logging: {driver: journald}\n"
    "    network_mode: service:pause\n"
    "    restart: always\n"
    "    volumes: ['./configs/findface-extraction-api-lb/nginx.conf:/etc/nginx/nginx.conf:ro']\n")


def rewrite(sandbox: Sandbox, texts: Texts) -> Texts:
    compose = texts[COMPOSE_FILE]
    for index in range(sandbox.shards):
        compose = compose.replace(shard_service_text(sandbox, index), "")
    compose = compose.replace(SHARDS_COMMENT,
                              f"  # The Tarantool shards run on the DB server, {DB_HOST}.\n")
    compose = EXTRACTION_SERVICE.sub(BALANCER, compose, count=1)
    compose = compose.replace("depends_on: [findface-extraction-api, ",
                              "depends_on: [findface-extraction-api-lb, ")
    sf_api = texts[SF_API_CONFIG].replace("http://127.0.0.1:", f"http://{DB_HOST}:") \
        .replace(f"'http://{DB_HOST}:{sandbox.ports.upload}/", f"'http://127.0.0.1:{sandbox.ports.upload}/")
    sf_api = re.sub(rf"(?m)^  extraction-api: http://{re.escape(DB_HOST)}:",
                    "  extraction-api: http://127.0.0.1:", sf_api)
    nginx = ("# balances the extraction servers of this installation\n"
             "events {}\nhttp { upstream extraction { server 192.0.2.31:18666; "
             "server 192.0.2.32:18666; }\n"
             f"  server {{ listen 127.0.0.1:{sandbox.ports.extraction_api}; "
             "location / { proxy_pass http://extraction; } } }\n")
    return {**texts, COMPOSE_FILE: compose, SF_API_CONFIG: sf_api,
            "configs/findface-extraction-api-lb/nginx.conf": nginx}


def finish(sandbox: Sandbox) -> None:
    # The shard data lives on the DB server, not here.
    shutil.rmtree(sandbox.root / "data/findface-tarantool-server")
