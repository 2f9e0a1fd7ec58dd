"""`ffwizard plan` stays light (issue #17): what its process loads, the HTTP client it asks the
shards with, the threads it asks them in. Real processes, real loopback HTTP."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
import time

import pytest
from install_fixtures import INSTALLS

from ffwizard.commands.plan import LoopbackHttp
from ffwizard.core.parallel import map_in_threads

# What `plan` must not load: Textual (the wizard's), ruamel.yaml (edits are made as text on the
# vendor's files), what runs a migration, and standard modules replaced by lighter means
# (the shards are asked through h11, not http.client with its email parser and ssl).
NOT_FOR_PLAN = ("textual", "ruamel", "ruamel.yaml", "httpx", "docker", "ffwizard.ui",
                "http.client", "ssl", "email",
                "ffwizard.core.executor", "ffwizard.core.preflight", "ffwizard.core.lock",
                "ffwizard.runtime.docker", "ffwizard.runtime.sim", "ffwizard.demo.sandbox",
                "concurrent.futures", "hashlib")

LOADED = """
import io, contextlib, sys
from ffwizard.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    status = main(sys.argv[1:])
print(" ".join(sorted(sys.modules)))
"""


def loaded_by(*argv: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", LOADED, *argv], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


@pytest.mark.parametrize("name", ["gpu8", "cpu4_block", "s3", "wrapped", "flat_models"])
def test_plan_loads_none_of_what_it_does_not_need(name):
    modules = loaded_by("plan", "--root", str(INSTALLS / name), "--no-shard-counts")
    assert modules & set(NOT_FOR_PLAN) == set()
    assert "yaml" in modules and "ffwizard.core.planner" in modules  # it did plan


def test_plan_asks_the_shards_through_h11_alone_and_only_when_it_asks_them():
    modules = loaded_by("plan", "--root", str(INSTALLS / "gpu8"))
    assert modules & set(NOT_FOR_PLAN) == set()
    assert "h11" in modules
    assert "h11" not in loaded_by("plan", "--root", str(INSTALLS / "gpu8"), "--no-shard-counts")


def test_help_loads_no_textual():
    for argv in (["--help"], ["plan", "--help"], ["wizard", "--help"]):
        done = subprocess.run([sys.executable, "-c", LOADED.replace(
            "status = main(sys.argv[1:])",
            "try:\n        main(sys.argv[1:])\n    except SystemExit:\n        pass"), *argv],
            capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert not {m for m in done.stdout.split() if m.split(".")[0] == "textual"}, argv


# --- plan's one-shot HTTP client ---------------------------------------------------------------

class Shard(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's name
        body = b'[{"name": "ffsec_face_objects", "count": 7}]'
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (body[:10], body[10:]):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/missing"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def shard_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Shard)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_loopback_http_reads_length_chunked_and_status(shard_url):
    http = LoopbackHttp()
    body = b'[{"name": "ffsec_face_objects", "count": 7}]'
    assert (http.http_get(shard_url + "/stat/list/1/99").status,
            http.http_get(shard_url + "/stat/list/1/99").body) == (200, body)
    assert http.http_get(shard_url + "/chunked?x=1").body == body
    missing = http.http_get(shard_url + "/missing")
    assert (missing.status, missing.body, missing.answered) == (404, b"", True)


def test_loopback_http_says_why_nothing_answered(shard_url):
    port = int(shard_url.rsplit(":", 1)[1])
    nobody = LoopbackHttp().http_get(f"http://127.0.0.1:{port + 1 if port < 65535 else 1}/")
    assert nobody.status == 0 and nobody.error
    assert LoopbackHttp().http_get("https://127.0.0.1/").error.startswith(
        "not a plain HTTP address")


class RawServer:
    """A loopback listener that answers each connection with fixed bytes, then keeps it open
    (`keep`) or closes it; it records what it was sent."""

    def __init__(self, answer: bytes, *, keep: bool) -> None:
        self.answer, self.keep, self.requests = answer, keep, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(4096)
            self.requests.append(request)
            connection.sendall(self.answer)
            if self.keep:
                self.held.append(connection)
            else:
                connection.close()

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def raw_server():
    made: list[RawServer] = []

    def make(answer: bytes, *, keep: bool = False) -> RawServer:
        made.append(RawServer(answer, keep=keep))
        return made[-1]
    yield make
    for server in made:
        server.close()


def test_loopback_http_ends_at_the_length_though_the_server_keeps_the_connection(raw_server):
    server = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", keep=True)
    began = time.monotonic()
    answer = LoopbackHttp().http_get(f"http://127.0.0.1:{server.port}/stat/list/1/99",
                                     timeout=30)
    assert (answer.status, answer.body) == (200, b"[]")
    assert time.monotonic() - began < 10  # not the 30 s timeout: the length ended it
    assert server.requests[0].startswith(b"GET /stat/list/1/99 HTTP/1.1\r\n")
    assert f"host: 127.0.0.1:{server.port}".encode() in server.requests[0].lower()
    assert b"connection: close" in server.requests[0].lower()


def test_loopback_http_reads_a_body_that_ends_with_the_connection(raw_server):
    server = raw_server(b"HTTP/1.0 200 OK\r\n\r\n[1, 2]")
    answer = LoopbackHttp().http_get(f"http://127.0.0.1:{server.port}/")
    assert (answer.status, answer.body) == (200, b"[1, 2]")


@pytest.mark.parametrize("answer", [b"", b"garbage\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"])
def test_loopback_http_says_so_when_the_answer_is_not_http_or_cut(raw_server, answer):
    server = raw_server(answer)
    got = LoopbackHttp().http_get(f"http://127.0.0.1:{server.port}/", timeout=30)
    assert got.status == 0 and got.error and not got.answered


@pytest.mark.parametrize("url", ["http://127.0.0.1:1/v2/ x", "http://127.0.0.1:1/a\r\nX: y",
                                 "http://" + "ä" * 70 + ".example:8101/"])
def test_loopback_http_says_so_when_an_address_cannot_be_asked(url):
    got = LoopbackHttp().http_get(url, timeout=5)
    assert got.status == 0 and got.error and not got.answered


# --- threads -----------------------------------------------------------------------------------

def test_map_in_threads_gives_results_in_order_at_most_workers_at_once():
    running, most = [0], [0]
    lock = threading.Lock()

    def work(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return n * n

    assert map_in_threads(work, list(range(40)), workers=4) == [n * n for n in range(40)]
    assert 1 <= most[0] <= 4
    assert map_in_threads(work, []) == [] and map_in_threads(work, [3]) == [9]


def test_map_in_threads_raises_the_first_error_in_order_after_all_ran():
    ran = []

    def work(n: int) -> int:
        ran.append(n)
        if n in (3, 5):
            raise ValueError(n)
        return n

    with pytest.raises(ValueError) as raised:
        map_in_threads(work, list(range(8)), workers=3)
    assert raised.value.args == (3,) and sorted(ran) == list(range(8))
