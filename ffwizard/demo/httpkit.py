"""Small HTTP pieces shared by the simulated services and tools (standard library only).

Servers speak HTTP/1.1 with keep-alive so that a tool's connection serves thousands of requests;
clients keep one connection per thread and host.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from ffwizard.demo.lifeline import watch_owner
from ffwizard.demo.network import listen_host, resolve


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler whose subclasses implement `route(method, path, query, body)`."""

    protocol_version = "HTTP/1.1"
    server_version = "ffsim"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stalls

    def log_message(self, format, *args):  # noqa: A002 - quiet: the services log what matters
        pass

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        try:
            status, payload, content_type = self.route(method, parts.path, parts.query, body)
        except Exception as err:  # a bug in a simulated service must not kill the connection
            status, payload, content_type = 500, {"error": f"{type(err).__name__}: {err}"}, None
        self.reply(status, payload, content_type)

    def reply(self, status: int, payload, content_type: str | None = None) -> None:
        if isinstance(payload, (bytes, bytearray)):
            data = bytes(payload)
            content_type = content_type or "application/octet-stream"
        else:
            data = json.dumps(payload).encode()
            content_type = content_type or "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        self._handle("GET")

    def do_HEAD(self):
        self._handle("HEAD")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    def route(self, method, path, query, body):
        return 404, {"error": "not found"}, None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def serve(handler_class, host: str, port: int, *, name: str, on_stop=None) -> int:
    """Serve until SIGTERM/SIGINT; then run `on_stop` (e.g. a checkpoint) and return 0."""
    host = listen_host(host, os.environ.get("FFSIM_SERVICE", ""))
    try:
        server = Server((host, port), handler_class)
    except OSError as err:
        log(f"{name}: cannot listen on {host}:{port}: {err.strerror or err}")
        return 1
    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    watch_owner()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    log(f"{name}: listening on {host}:{port}")
    while not stopping.wait(0.2):
        pass
    server.shutdown()
    if on_stop is not None:
        on_stop()
    log(f"{name}: stopped")
    return 0


def log(line: str) -> None:
    stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())
    print(f"{stamp} {line}", file=sys.stderr, flush=True)


def split_listen(value: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """`127.0.0.1:18411`, `:18411` or `18411` -> (host, port)."""
    value = str(value).strip()
    if value.startswith("http://"):
        parts = urlsplit(value)
        return parts.hostname or default_host, parts.port or 80
    host, _, port = value.rpartition(":")
    return (host or default_host), int(port)


class HttpError(Exception):
    def __init__(self, status: int, body: bytes, url: str):
        self.status = status
        self.body = body
        self.url = url
        try:
            detail = json.loads(body).get("error", "")
        except (ValueError, AttributeError):
            detail = body[:200].decode("utf-8", "replace")
        super().__init__(f"{url}: HTTP {status}: {detail}")


class Client:
    """A keep-alive HTTP client for one base URL (one per thread: not thread-safe)."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        parts = urlsplit(base_url)
        self.host = resolve(parts.hostname or "127.0.0.1")  # a service name: its address
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.base_url = base_url
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str = "application/json") -> tuple[int, bytes]:
        url_path = self.prefix + path
        headers = {"Content-Type": content_type} if body is not None else {}
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self._conn.request(method, url_path, body=body, headers=headers)
                response = self._conn.getresponse()
                data = response.read()
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as err:
                # A kept-alive connection the server closed: reconnect once.
                self.close()
                if attempt == 2:
                    raise ConnectionError(f"{self.host}:{self.port}: {err}") from err
            except OSError:
                self.close()
                raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, payload=None):
        body = json.dumps(payload).encode() if payload is not None else None
        status, data = self.request(method, path, body)
        if status >= 300:
            raise HttpError(status, data, f"http://{self.host}:{self.port}{self.prefix}{path}")
        return json.loads(data) if data else None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
