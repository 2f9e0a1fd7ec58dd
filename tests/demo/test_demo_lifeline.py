"""A sandbox's services outlive the process that started them (`ffwizard demo --prepare-only`
is used that way), except under an owner named in FFSIM_OWNER (a test session): once the
owner is gone, killed or not, they stop themselves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ffwizard.demo import procs
from ffwizard.demo.lifeline import OWNER_ENV, owner_alive, owner_value
from ffwizard.runtime.sim import stop_demo

STARTER = textwrap.dedent("""
    import os, sys, time
    from ffwizard.runtime.sim import prepare_demo
    from ffwizard.demo.lifeline import OWNER_ENV, owner_value
    if sys.argv[2] == "owned":
        os.environ[OWNER_ENV] = owner_value()
    prepare_demo(sys.argv[1], shards=1, objects=10)
    print("ready", flush=True)
    time.sleep(600)
""")


def start_owner(root, mode: str, env: dict) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", STARTER, str(root), mode], env=env,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    return child


def services(root) -> list[procs.ProcRecord]:
    records = list(procs.all_records(root).values())
    assert records
    return records


def wait_until(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_owner_value_names_a_live_process_only():
    assert owner_alive(owner_value())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    value = owner_value(child.pid)
    child.wait()
    assert not owner_alive(value)


@pytest.mark.slow
def test_services_stop_themselves_when_their_owner_is_killed(tmp_path):
    root = tmp_path / "owned"
    owner = start_owner(root, "owned", dict(os.environ))
    try:
        records = services(root)
        assert all(procs.is_running(r) for r in records)
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        assert wait_until(lambda: not any(procs.is_running(r) for r in records)), \
            [r.service for r in records if procs.is_running(r)]
    finally:
        owner.kill()
        owner.wait()
        stop_demo(root, release_ports=True)


@pytest.mark.slow
def test_without_an_owner_services_outlive_the_process_that_started_them(tmp_path):
    root = tmp_path / "free"
    env = {k: v for k, v in os.environ.items() if k != OWNER_ENV}
    starter = start_owner(root, "free", env)
    try:
        records = services(root)
        starter.send_signal(signal.SIGKILL)
        starter.wait()
        assert all(procs.is_running(r) for r in records)
        # No owner to watch: nothing will stop them but `ffwizard demo --stop`.
        for record in records:
            environ = open(f"/proc/{record.pid}/environ", "rb").read().split(b"\0")
            assert not any(v.startswith(OWNER_ENV.encode() + b"=") for v in environ)
    finally:
        starter.kill()
        starter.wait()
        stop_demo(root, release_ports=True)
