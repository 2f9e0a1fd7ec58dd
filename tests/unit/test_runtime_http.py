"""Runtime.http_get: one kept-alive client, robust to a service restarting under it, deaf to
proxies meant for the internet."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ffwizard.runtime.http import KeptConnections
from ffwizard.runtime.sim import SimRuntime


class KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection open between requests
    connections: set = set()

    def do_GET(self):  # noqa: N802 (http.server's name)
        KeepAliveHandler.connections.add(self.client_address)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(port: int = 0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), KeepAliveHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def runtime(tmp_path: Path) -> SimRuntime:
    return SimRuntime(tmp_path)  # http_get needs nothing of the installation


def test_requests_share_one_connection(runtime):
    KeepAliveHandler.connections = set()
    server = serve()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v2/status"
        answers = [runtime.http_get(url) for _ in range(5)]
    finally:
        server.shutdown()
        server.server_close()
    assert [a.status for a in answers] == [200] * 5
    assert answers[0].body == b'{"ok": true}'
    assert len(KeepAliveHandler.connections) == 1  # one client port: the connection was kept


def test_a_service_restarted_under_a_kept_connection_still_answers(runtime):
    server = serve()
    port = server.server_address[1]
    url = f"http://127.0.0.1:{port}/v2/status"
    assert runtime.http_get(url).status == 200
    # The service restarts: its end of the kept connection is gone.
    server.shutdown()
    server.server_close()
    server = serve(port)
    try:
        assert runtime.http_get(url).status == 200
    finally:
        server.shutdown()
        server.server_close()


def test_a_service_that_is_down_is_an_answer_not_an_exception(runtime):
    server = serve()
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    answer = runtime.http_get(f"http://127.0.0.1:{port}/", timeout=2)
    assert answer.status == 0 and not answer.answered and answer.error


def test_proxies_from_the_environment_are_not_used_for_services(runtime, monkeypatch):
    # A proxy that does not exist: had it been used, the request would fail.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    server = serve()
    try:
        answer = runtime.http_get(f"http://127.0.0.1:{server.server_address[1]}/", timeout=2)
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status == 200


def test_an_address_that_is_not_http_is_an_answer_not_an_exception(runtime):
    for url in ("ftp://127.0.0.1/file", "not a url", "http://[::1/"):
        answer = runtime.http_get(url, timeout=2)
        assert answer.status == 0 and not answer.answered and answer.error


def test_requests_from_many_threads_at_once_all_answer(runtime):
    from ffwizard.core.parallel import map_in_threads

    server = serve()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v2/status"
        answers = map_in_threads(lambda _n: runtime.http_get(url), list(range(64)))
    finally:
        server.shutdown()
        server.server_close()
    assert [a.status for a in answers] == [200] * 64
    assert {a.body for a in answers} == {b'{"ok": true}'}


@pytest.mark.parametrize("url", ["http://127.0.0.1:1/v2/ x",
                                 "http://" + "ä" * 70 + ".example:8101/"])
def test_an_address_that_cannot_be_asked_is_an_answer_not_an_exception(url):
    got = KeptConnections().get(url, timeout=5)
    assert got.status == 0 and got.error and not got.answered
