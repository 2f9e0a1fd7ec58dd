"""`ffwizard serve`: the command line it serves, where it listens, what it tells the user."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from serving import free_port, listening_addresses, stop, wait_for_port

from ffwizard.commands import serve


def start_serve(*args: str) -> subprocess.Popen:
    # COLUMNS: textual-serve's own log lines are not wrapped, so what it serves reads whole.
    return subprocess.Popen([sys.executable, "-m", "ffwizard", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "1000"})


def test_the_served_command_line_is_exactly_the_argv_whatever_the_root(tmp_path):
    hostile = tmp_path / "root; touch pwned $(id) `id` 'q\""
    argv = serve.served_argv(demo=False, root=hostile)
    assert argv[:3] == [sys.executable, "-m", "ffwizard"]
    assert argv[3:] == ["wizard", "--root", str(hostile.resolve()), "--lang", "en"]
    assert shlex.split(serve.served_command(argv)) == argv


def test_the_command_line_survives_a_real_shell(tmp_path):
    # textual-serve hands the line to /bin/sh: it must come out as the same argv, run nothing.
    hostile = tmp_path / "a b;touch $HOME/pwned"
    argv = [sys.executable, "-c", "import sys, json; print(json.dumps(sys.argv[1:]))",
            "--root", str(hostile)]
    done = subprocess.run(serve.served_command(argv), shell=True, capture_output=True,
                          text=True, cwd=tmp_path, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == f'["--root", "{hostile}"]'
    assert not (tmp_path / "pwned").exists()


def test_the_demo_serves_the_demo_command_on_the_prepared_sandbox(tmp_path):
    assert serve.served_argv(demo=True, root=tmp_path)[3:] == [
        "demo", "--sandbox", str(tmp_path), "--lang", "en"]


def test_the_served_wizard_speaks_the_language_of_the_server(tmp_path):
    from ffwizard.i18n import set_language

    set_language("ru")  # `ffwizard --lang ru serve` (or a Russian locale) chose it
    assert serve.served_argv(demo=True, root=tmp_path)[-2:] == ["--lang", "ru"]
    assert serve.served_argv(demo=False, root=tmp_path)[-2:] == ["--lang", "ru"]
    assert serve.served_argv(demo=False, root=tmp_path, language="en")[-2:] == ["--lang", "en"]


def test_loopback_prints_the_ssh_tunnel_and_no_warning():
    text = serve.how_to_connect("127.0.0.1", 8123, demo=True)
    assert "ssh -L 8123:127.0.0.1:8123 user@" in text
    assert "http://127.0.0.1:8123" in text
    assert "WARNING" not in text


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::"])
def test_any_other_address_is_warned_about_plainly(host):
    text = serve.how_to_connect(host, 8000, demo=False)
    assert text.startswith("WARNING: ")
    assert "NO authentication" in text
    assert "ssh -L 8000:127.0.0.1:8000" in text


def test_a_missing_install_root_is_refused_in_plain_words(tmp_path):
    done = subprocess.run([sys.executable, "-m", "ffwizard", "serve", "--root",
                           str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "there is no FindFace Multi installation at" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_port_is_refused_by_the_parser():
    done = subprocess.run([sys.executable, "-m", "ffwizard", "serve", "--port", "70000"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "a port is between 1 and 65535" in done.stderr


def test_serves_the_page_on_loopback_only_and_says_how_to_reach_it(tmp_path):
    port = free_port()
    process = start_serve("--root", str(tmp_path), "--port", str(port))
    try:
        wait_for_port(port, process)
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/static/js/textual.js", timeout=10).status_code == 200
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    finally:
        _out, err = stop(process)
    assert f"ssh -L {port}:127.0.0.1:{port} user@" in err
    assert "WARNING" not in err


def test_a_russian_server_says_so_in_russian_and_serves_a_russian_wizard(tmp_path):
    port = free_port()
    process = start_serve("--root", str(tmp_path), "--port", str(port), "--lang", "ru")
    try:
        wait_for_port(port, process)
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        out, err = stop(process)
    assert f"Мастер доступен по адресу http://127.0.0.1:{port} (только с этого хоста)." in err
    assert f"ssh -L {port}:127.0.0.1:{port} user@" in err
    assert "Для остановки нажмите Ctrl+C." in err
    assert f"-m ffwizard wizard --root {tmp_path} --lang ru'" in out  # what each tab runs


def test_a_port_in_use_is_refused_in_plain_words(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "ffwizard", "serve", "--root", str(tmp_path),
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_sandbox_without_demo_is_refused(tmp_path):
    done = subprocess.run([sys.executable, "-m", "ffwizard", "serve", "--sandbox", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--sandbox goes with --demo" in done.stderr


@pytest.mark.slow
def test_the_demo_sandbox_lives_as_long_as_the_server(tmp_path):
    port = free_port()
    process = start_serve("--demo", "--sandbox", str(tmp_path / "site"), "--port", str(port))
    try:
        said = ""
        while "Press Ctrl+C to stop." not in said:  # the server says what it prepared, then serves
            line = process.stderr.readline()
            assert line, f"serve --demo stopped early: {said}"
            said += line
        sandbox = Path(re.search(r"Built a simulated FindFace Multi installation at (\S+)", said)[1])
        ports = re.search(r"HTTP ports (\d+)…(\d+)", said)
        shard_ports = range(int(ports[1]), int(ports[2]) + 1)
        wait_for_port(port, process)
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        assert (sandbox / "docker-compose.yaml").is_file()
        assert all(listening_addresses(p) for p in shard_ports)
    finally:
        out, err = stop(process)
    assert process.returncode == 0, err
    # Every tab runs the demo on that one sandbox...
    assert f"-m ffwizard demo --sandbox {sandbox} --lang en'" in out
    # ...which stopped with the server: its services gone (the sandbox given is kept).
    assert sandbox.exists()
    assert not any(listening_addresses(p) for p in shard_ports)


@pytest.mark.slow
def test_without_a_sandbox_each_tab_builds_its_own_and_the_server_removes_them(tmp_path):
    port = free_port()
    process = start_serve("--demo", "--port", str(port))
    try:
        wait_for_port(port, process)
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        out, err = stop(process)
    assert process.returncode == 0, err
    parent = Path(re.search(r"-m ffwizard demo --fresh-in (\S+) --lang en'", out)[1])
    assert not parent.exists()
