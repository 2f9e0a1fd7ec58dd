"""A simulated Tarantool shard (tntapi HTTP): `python -m ffwizard.demo.shard_server`.

Configured as the real container is, by its compose environment: CFG_LISTEN_HOST,
CFG_LISTEN_PORT, TT_WORK_DIR (the data volume), TT_CHECKPOINT_COUNT, and TT_LISTEN (the binary
port: held, and answered with a Tarantool greeting; a busy one makes the shard fail to start).

HTTP API (JSON):
  GET  /v2/status                                  {"read_only": false, "galleries": N, "objects": N, ...}
  GET  /stat/list/1/99                             [{"name": g, "count": n}, ...] (older tntapi probe)
  GET  /v2/galleries                               {"galleries": [{"name", "count", "model"}, ...]}
  GET  /v2/galleries/<g>/objects?after=ID&limit=N  {"objects": [[id, vector, image], ...], "next": ID|null}
  POST /v2/galleries/<g>/objects                   {"model": m, "objects": [[id, vector, image], ...]}
                                                   -> 200 {"added": n}; 409 another model / known id
  POST /v2/galleries/<g>/objects/update            same body: replace vectors of known objects
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs

from ffwizard.demo import faults
from ffwizard.demo.containerfs import resolve
from ffwizard.demo.httpkit import Client, JsonHandler, log, serve
from ffwizard.demo.network import listen_host
from ffwizard.demo.network import resolve as resolve_host
from ffwizard.demo.storage import GalleryConflict, ShardStore

GALLERY_PREFIX = "/v2/galleries/"


class ShardHandler(JsonHandler):
    store: ShardStore
    name: str
    added = 0
    add_limit: int | None = None
    lock = threading.Lock()

    def route(self, method, path, query, body):
        store = self.store
        if method == "GET" and path in ("/v2/status", "/v2/status/"):
            stats = store.stats()
            return 200, {"read_only": False, "name": self.name, "lsn": store.lsn,
                         "galleries": len(stats), "objects": sum(s["count"] for s in stats)}, None
        if method == "GET" and path.startswith("/stat/list"):
            return 200, [{"name": s["name"], "count": s["count"]} for s in store.stats()], None
        if method == "GET" and path.rstrip("/") == "/v2/galleries":
            return 200, {"galleries": store.stats()}, None
        if path.startswith(GALLERY_PREFIX):
            gallery, _, rest = path[len(GALLERY_PREFIX):].partition("/")
            if method == "GET" and rest == "objects":
                params = parse_qs(query)
                after = int(params["after"][0]) if params.get("after") else None
                limit = min(int(params.get("limit", ["1000"])[0]), 100_000)
                objects, cursor = store.list(gallery, after, limit)
                return 200, {"objects": objects, "next": cursor}, None
            if method == "POST" and rest in ("objects", "objects/update"):
                request = json.loads(body)
                objects, model = request["objects"], request["model"]
                if rest == "objects" and self.add_limit is not None:
                    return self._add_with_limit(gallery, model, objects)
                try:
                    if rest == "objects":
                        count = store.add(gallery, model, objects)
                    else:
                        count = store.update(gallery, model, objects)
                except GalleryConflict as err:
                    return 409, {"error": str(err)}, None
                return 200, {"added" if rest == "objects" else "updated": count}, None
        return 404, {"error": f"no route {method} {path}"}, None

    def _add_with_limit(self, gallery, model, objects):
        with self.lock:
            room = self.add_limit - ShardHandler.added
            accepted = objects[:max(room, 0)]
            try:
                if accepted:
                    self.store.add(gallery, model, accepted)
            except GalleryConflict as err:
                return 409, {"error": str(err)}, None
            ShardHandler.added += len(accepted)
            if len(accepted) < len(objects) or ShardHandler.added >= self.add_limit:
                log(f"{self.name}: fault FFSIM_SHARD_DOWN_AFTER_ADDS: going down after "
                    f"{ShardHandler.added} added objects")
                self.store.close()
                os._exit(1)
        return 200, {"added": len(accepted)}, None


def tarantool_greeting(version: str = "2.10.4") -> bytes:
    """The 128-byte greeting a Tarantool binary port sends to every new connection."""
    first = f"Tarantool {version} (Binary) 00000000-0000-0000-0000-000000000000".ljust(63).encode() + b"\n"
    salt = base64.b64encode(hashlib.sha256(version.encode()).digest()).ljust(63) + b"\n"
    return first + salt


def listen_binary_port(listen: str, http_port: int | None = None) -> socket.socket | None:
    """Hold the shard's Tarantool port (TT_LISTEN) and greet whoever connects, as Tarantool does,
    so that the port is really taken and `tarantoolctl connect`-style probes get an answer.
    A simulated replica asks after the greeting for the HTTP port it follows (REPLICA_ASK)."""
    host, _, port = listen.rpartition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((listen_host(host, os.environ.get("FFSIM_SERVICE", "")) or "127.0.0.1", int(port)))
    sock.listen(16)
    greeting = tarantool_greeting()

    def greet(conn: socket.socket) -> None:
        with conn:
            try:
                conn.sendall(greeting)
                conn.settimeout(1.0)
                if http_port and conn.recv(64) == REPLICA_ASK:
                    conn.sendall(f"{http_port}\n".encode())
            except OSError:
                pass

    def serve() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=greet, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return sock


# The simulation's own question on a binary port (a real replica speaks Tarantool's protocol).
REPLICA_ASK = b"ffsim-http-port\n"


def master_http_url(source: str, timeout: float = 5.0) -> str:
    """The HTTP base URL of the shard a replica's TT_REPLICATION names (`host:port`)."""
    host, _, port = source.rsplit("@", 1)[-1].rpartition(":")
    host = host or "127.0.0.1"
    with socket.create_connection((resolve_host(host), int(port)), timeout=timeout) as conn:
        conn.settimeout(timeout)
        greeting = b""
        while len(greeting) < 128:
            chunk = conn.recv(128 - len(greeting))
            if not chunk:
                raise OSError("the master closed the connection")
            greeting += chunk
        conn.sendall(REPLICA_ASK)
        http_port = int(conn.recv(16).decode().strip())
    return f"http://{host}:{http_port}/"


class ReplicaHandler(JsonHandler):
    """A read-only replica: answers every read as its master does (the simulation's
    replication: always caught up), refuses writes as a read-only Tarantool does."""

    master: Client
    name: str
    local = threading.local()

    def route(self, method, path, query, body):
        if method != "GET":
            return 403, {"error": f"{self.name} is a read-only replica"}, None
        client = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = Client(self.master.base_url, timeout=10)
        status, data = client.request("GET", path + (f"?{query}" if query else ""))
        if status == 200 and path.rstrip("/") == "/v2/status":
            answer = json.loads(data)
            answer.update(read_only=True, name=self.name, replicates=self.master.base_url)
            return 200, answer, None
        return status, data, "application/json"


def main(argv: list[str] | None = None) -> int:
    env = os.environ
    host = env.get("CFG_LISTEN_HOST", "127.0.0.1")
    try:
        port = int(env["CFG_LISTEN_PORT"])
        work_dir_setting = env["TT_WORK_DIR"]
    except (KeyError, ValueError):
        log("tntapi: CFG_LISTEN_PORT and TT_WORK_DIR must be set")
        return 1
    work_dir = resolve(work_dir_setting)
    service = env.get("FFSIM_SERVICE", "")
    name = service or work_dir.name
    known_as = {name, service, str(port), Path(work_dir).name} - {""}
    down = faults.knob("FFSIM_SHARD_DOWN")
    if down and faults.names_match(down, known_as):
        log(f"{name}: fault FFSIM_SHARD_DOWN: refusing to start")
        return 1
    if not work_dir.is_dir():
        log(f"{name}: work dir {work_dir_setting} does not exist")
        return 1
    tt_listen = env.get("TT_LISTEN", "")
    source = env.get("TT_REPLICATION") or env.get("CFG_REPLICATION_SOURCE") or ""
    if tt_listen:
        try:
            listen_binary_port(tt_listen, None if source else port)
        except (OSError, ValueError) as err:
            log(f"{name}: cannot listen on TT_LISTEN {tt_listen}: {getattr(err, 'strerror', None) or err}")
            return 1
    if source:
        return serve_replica(name, host, port, source)
    store = ShardStore(work_dir, int(env.get("TT_CHECKPOINT_COUNT", "2") or 2)).load()
    ShardHandler.store = store
    ShardHandler.name = name
    spec = faults.knob("FFSIM_SHARD_DOWN_AFTER_ADDS")
    if spec:
        ShardHandler.add_limit = faults.limit_for(spec, known_as)
    stats = store.stats()
    log(f"{name}: recovered {sum(s['count'] for s in stats)} objects in {len(stats)} galleries "
        f"(lsn {store.lsn})")

    def on_stop():
        store.checkpoint()
        store.close()

    return serve(ShardHandler, host, port, name=name, on_stop=on_stop)


def serve_replica(name: str, host: str, port: int, source: str) -> int:
    """Follow the master TT_REPLICATION names (found again until it answers: it may start
    after its replica, as compose starts services in any order)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            master = master_http_url(source)
            break
        except (OSError, ValueError) as err:
            if time.monotonic() > deadline:
                log(f"{name}: cannot reach the master {source}: {err}")
                return 1
            time.sleep(0.2)
    ReplicaHandler.master = Client(master)
    ReplicaHandler.name = name
    log(f"{name}: replica of {source} ({master})")
    return serve(ReplicaHandler, host, port, name=name)


if __name__ == "__main__":
    sys.exit(main())
