"""Fixtures shared by every test package.

A test session keeps to itself: its sandboxes claim ports in a registry of their own (not the
machine's `<tmp>/ffwizard-sim-ports`, where earlier runs and demos leave claims), and every
simulated service or tool started under it stops itself once the session's process is gone
(`ffwizard.demo.lifeline`), also when the session is killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

_SESSION_ENV = ("FFSIM_PORT_REGISTRY", "FFSIM_OWNER")
_saved_env: dict[str, str | None] = {}


def pytest_configure(config):
    from ffwizard.demo.lifeline import OWNER_ENV, owner_value

    for name in _SESSION_ENV:
        _saved_env[name] = os.environ.get(name)
    os.environ["FFSIM_PORT_REGISTRY"] = tempfile.mkdtemp(prefix="ffwizard-sim-ports-")
    os.environ[OWNER_ENV] = owner_value()


def pytest_unconfigure(config):
    registry = os.environ.get("FFSIM_PORT_REGISTRY")
    if registry and _saved_env:
        _stop_what_the_session_left(Path(registry))
        shutil.rmtree(registry, ignore_errors=True)
    for name, value in _saved_env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _saved_env.clear()


def _stop_what_the_session_left(registry: Path) -> None:
    """Sandboxes a test did not stop (it failed in its set-up, or was interrupted), then any
    process still carrying the session's FFSIM_OWNER (a detached tool, a service whose
    sandbox was deleted)."""
    import json

    from ffwizard.demo import stop_demo
    from ffwizard.demo.lifeline import OWNER_ENV

    for claim in sorted(registry.glob("*.json")):
        try:
            root = Path(json.loads(claim.read_text())["root"])
            if (root / ".sim" / "sandbox.json").exists():
                stop_demo(root, release_ports=True)
        except Exception:
            pass
    owner = f"{OWNER_ENV}={os.environ.get(OWNER_ENV)}".encode()
    left = [pid for pid in _processes_with(owner) if pid != os.getpid()]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in left:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while left and time.monotonic() < deadline:
            left = [pid for pid in left if _alive(pid)]
            time.sleep(0.05)


def _processes_with(variable: bytes) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if variable in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.fixture(autouse=True)
def english_by_default(monkeypatch):
    """Every test starts in English, whatever the machine's locale, and a test that switches to
    Russian cannot leak it into the next. Child processes see an English locale too."""
    from ffwizard.i18n import set_language

    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def sim_sandbox(tmp_path):
    """A running simulated FindFace installation in tmp_path: 4 shards, 600 objects, GPU,
    face/body/car (`ffwizard.demo.PreparedDemo`: .root, .project, .compose_file, .runtime).
    Its services are stopped and its port block released at teardown."""
    from ffwizard.demo import prepare_demo, stop_demo

    demo = prepare_demo(tmp_path / "sandbox", shards=4, objects=600)
    try:
        yield demo
    finally:
        stop_demo(demo.root, release_ports=True)


@pytest.fixture
def sim_sandbox_factory(tmp_path):
    """make(name="sandbox", shards=4, objects=600, device="gpu", types=("face","body","car"),
    start=True) -> PreparedDemo; every sandbox made is stopped at teardown."""
    from ffwizard.demo import prepare_demo, stop_demo

    made: list[Path] = []

    def make(name: str = "sandbox", *, shards: int = 4, objects: int = 600, device: str = "gpu",
             types: tuple[str, ...] = ("face", "body", "car"), start: bool = True):
        demo = prepare_demo(tmp_path / name, shards=shards, objects=objects, device=device,
                            types=types, start=start)
        made.append(demo.root)
        return demo

    try:
        yield make
    finally:
        for root in made:
            stop_demo(root, release_ports=True)
