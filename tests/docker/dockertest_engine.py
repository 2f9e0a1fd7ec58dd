"""Helpers around the test engine: is it there, clean up a project, free loopback ports."""

from __future__ import annotations

import os
import re
import socket
import uuid
from contextlib import closing

PROJECT_LABEL = "com.docker.compose.project"
# Project names carry the test session that made them (its FFSIM_OWNER, tests/conftest.py), so a
# later session can tell a killed session's leftovers from a concurrent run's projects.
_OWNED = re.compile(r"^ffwt-s(\d+)t(\d+)-")


def new_project_name(kind: str = "") -> str:
    """`ffwt-s<pid>t<start>-[kind-]<random>`: unique, and naming this session."""
    pid, _, ticks = os.environ.get("FFSIM_OWNER", f"{os.getpid()}:0").partition(":")
    return f"ffwt-s{pid}t{ticks}-{kind + '-' if kind else ''}{uuid.uuid4().hex[:8]}"


def remove_leftover_projects(client) -> list[str]:
    """Remove the projects of test sessions that are gone (killed before their clean-up)."""
    from ffwizard.demo.lifeline import owner_alive

    gone = set()
    for container in client.containers.list(all=True, filters={"label": PROJECT_LABEL}):
        project = container.labels.get(PROJECT_LABEL, "")
        owner = _OWNED.match(project)
        if owner and not owner_alive(f"{owner[1]}:{owner[2]}"):
            gone.add(project)
    for project in sorted(gone):
        remove_project(client, project)
    return sorted(gone)


def engine_client():
    import docker

    return docker.from_env(timeout=60)


def engine_problem() -> str | None:
    """None when an engine answers; otherwise why not, in a few words."""
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.ping()
        client.close()
    except Exception as err:  # noqa: BLE001 - any failure means "no engine"
        return str(err).splitlines()[0] if str(err) else type(err).__name__
    return None


def remove_project(client, project: str) -> None:
    for container in client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={project}"}):
        try:
            container.remove(force=True)
        except Exception:  # noqa: BLE001 - already gone
            pass


# Above Linux's ephemeral range (32768-60999: client connections take ports there at any time)
# and above every block the demo sandboxes claim, so a concurrent run cannot take ours.
PORT_RANGE = range(61000, 65000)


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports free right now (the services bind them on the host)."""
    import random

    found: list[int] = []
    for port in random.sample(PORT_RANGE, len(PORT_RANGE)):
        with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports in {PORT_RANGE}")
