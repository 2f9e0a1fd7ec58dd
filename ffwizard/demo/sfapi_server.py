"""A simulated findface-sf-api: `python -m ffwizard.demo.sfapi_server [--config PATH]`.

Reads the shard list from its config at start (default /etc/findface-sf-api.ini), like the real
one: pointing it at new shards takes a restart.

  GET /v2/galleries      {"galleries": [{"name", "count"}, ...]} summed over its shards
                         (502 naming the shard that does not answer)
  GET /v2/sim/config     {"shards": [...], "extraction_api": url, "upload_url": url}
  GET /                  {"service": "findface-sf-api"}
"""

from __future__ import annotations

import sys
import threading

from ffwizard.demo import sfapi_config
from ffwizard.demo.httpkit import Client, HttpError, JsonHandler, log, serve, split_listen


class SfApiHandler(JsonHandler):
    config: sfapi_config.SfApiConfig
    local = threading.local()

    def client(self, url: str) -> Client:
        clients = getattr(self.local, "clients", None)
        if clients is None:
            clients = self.local.clients = {}
        if url not in clients:
            clients[url] = Client(url, timeout=5)
        return clients[url]

    def route(self, method, path, query, body):
        if method == "GET" and path.rstrip("/") == "/v2/galleries":
            totals: dict[str, int] = {}
            for url in self.config.shards:
                try:
                    answer = self.client(url).json("GET", "/galleries")
                except (OSError, HttpError) as err:
                    return 502, {"error": f"shard {url} does not answer: {err}"}, None
                for g in answer["galleries"]:
                    totals[g["name"]] = totals.get(g["name"], 0) + g["count"]
            return 200, {"galleries": [{"name": n, "count": c} for n, c in sorted(totals.items())]}, None
        if method == "GET" and path == "/v2/sim/config":
            return 200, {"shards": list(self.config.shards), "extraction_api": self.config.extraction_api,
                         "upload_url": self.config.upload_url}, None
        if method == "GET" and path == "/":
            return 200, {"service": "findface-sf-api"}, None
        return 404, {"error": f"no route {method} {path}"}, None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    setting = sfapi_config.config_path_from(argv)
    try:
        config = sfapi_config.load(setting)
        host, port = split_listen(config.listen)
    except (sfapi_config.SfApiConfigError, ValueError) as err:
        log(f"sf-api: fatal: {err}")
        return 1
    SfApiHandler.config = config
    log(f"sf-api: {len(config.shards)} shards: {', '.join(config.shards)}")
    return serve(SfApiHandler, host, port, name="findface-sf-api")


if __name__ == "__main__":
    sys.exit(main())
