"""`ffwizard plan` stays light (issue #17): what its process loads, the plain-socket HTTP client
it asks the shards with, the threads it asks them in. Real processes, real loopback HTTP."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time

import pytest
from install_fixtures import INSTALLS

from ffwizard.commands.plan import LoopbackHttp, parse_http_answer
from ffwizard.core.parallel import map_in_threads

# What `plan` must not load: Textual (the wizard's), ruamel.yaml (edits are made as text on the
# vendor's files), what runs a migration, and standard modules replaced by lighter means.
NOT_FOR_PLAN = ("textual", "ruamel", "ruamel.yaml", "httpx", "docker", "ffwizard.ui",
                "ffwizard.core.executor", "ffwizard.core.preflight", "ffwizard.core.lock",
                "ffwizard.runtime.docker", "ffwizard.runtime.sim", "ffwizard.demo.sandbox",
                "http.client", "concurrent.futures", "hashlib")

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


def test_plan_asking_the_shards_loads_no_http_library():
    modules = loaded_by("plan", "--root", str(INSTALLS / "gpu8"))
    assert modules & set(NOT_FOR_PLAN) == set()


def test_help_loads_no_textual():
    for argv in (["--help"], ["plan", "--help"], ["wizard", "--help"]):
        done = subprocess.run([sys.executable, "-c", LOADED.replace(
            "status = main(sys.argv[1:])",
            "try:\n        main(sys.argv[1:])\n    except SystemExit:\n        pass"), *argv],
            capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert not {m for m in done.stdout.split() if m.split(".")[0] == "textual"}, argv


# --- the plain-socket HTTP client --------------------------------------------------------------

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


def test_parse_http_answer():
    assert parse_http_answer(b"HTTP/1.0 200 OK\r\n\r\nall of it").body == b"all of it"
    assert parse_http_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef").body == b"abc"
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    assert parse_http_answer(chunked).body == b"abcde"
    for broken in (b"", b"SSH-2.0-OpenSSH\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab",
                   b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"):
        answer = parse_http_answer(broken)
        assert answer.status == 0 and answer.error, broken


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
