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


def pytest_configure(config: pytest.Config) -> None:
    from ffwizard.demo.lifeline import OWNER_ENV, owner_value

    _private_basetemp(config)
    for name in _SESSION_ENV:
        _saved_env[name] = os.environ.get(name)
    os.environ["FFSIM_PORT_REGISTRY"] = tempfile.mkdtemp(prefix="ffwizard-sim-ports-")
    os.environ[OWNER_ENV] = owner_value()


def pytest_unconfigure(config: pytest.Config) -> None:
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
    _remove_private_basetemp_after(config)  # last: the sandboxes left in it are stopped now


def _stop_what_the_session_left(registry: Path) -> None:
    """Sandboxes a test did not stop (it failed in its set-up, or was interrupted), then any
    process still carrying the session's FFSIM_OWNER (a detached tool, a service whose
    sandbox was deleted)."""
    import json

    from ffwizard.demo.lifeline import OWNER_ENV
    from ffwizard.runtime.sim import stop_demo

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


def _private_basetemp(config: pytest.Config) -> None:
    """Each run's temporary directories in a base of its own (unless --basetemp names one).

    pytest's shared default, /tmp/pytest-of-<user>/pytest-<N>, keeps only the newest three runs:
    a second run on the same machine deletes the directories of the first one under its running
    sandboxes. A private base is removed when the run passes and kept (and named) when it fails.
    """
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        config.option.basetemp = tempfile.mkdtemp(prefix="ffwizard-tests-")
        config._ffwizard_private_basetemp = config.option.basetemp  # type: ignore[attr-defined]


def _remove_private_basetemp_after(config: pytest.Config) -> None:
    private = getattr(config, "_ffwizard_private_basetemp", None)
    if private is None:
        return
    if getattr(config, "_ffwizard_failed", False):
        print(f"\nthe failed run's temporary files: {private}")
    else:
        shutil.rmtree(private, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._ffwizard_failed = exitstatus != 0  # type: ignore[attr-defined]


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
def host_ports_free(monkeypatch):
    """The host probe answers "free" for every port: for tests of what `plan` proposes and says
    for a fixture installation, whose expected ports (8111…) a demo sandbox of another test may
    hold at that moment. The probe itself is tested against ports really held
    (tests/unit/test_plan_output.py, tests/tui/test_preflight_refusal.py)."""
    from ffwizard import session
    from ffwizard.core import preflight

    monkeypatch.setattr(session, "host_port_in_use", lambda port: False)
    monkeypatch.setattr(preflight, "host_port_in_use", lambda port: False)


@pytest.fixture
def sim_sandbox(tmp_path):
    """A running simulated FindFace installation in tmp_path: 4 shards, 600 objects, GPU,
    face/body/car (`ffwizard.runtime.sim.PreparedDemo`: .root, .project, .compose_file, .runtime).
    Its services are stopped and its port block released at teardown."""
    from ffwizard.runtime.sim import prepare_demo, stop_demo

    demo = prepare_demo(tmp_path / "sandbox", shards=4, objects=600)
    try:
        yield demo
    finally:
        stop_demo(demo.root, release_ports=True)


@pytest.fixture
def sim_sandbox_factory(tmp_path):
    """make(name="sandbox", shards=4, objects=600, device="gpu", types=("face","body","car"),
    start=True, shape=None) -> PreparedDemo (shape: a name in ffwizard.demo.shapes); every
    sandbox made is stopped at teardown."""
    from ffwizard.runtime.sim import prepare_demo, stop_demo

    made: list[Path] = []

    def make(name: str = "sandbox", *, shards: int = 4, objects: int = 600, device: str = "gpu",
             types: tuple[str, ...] = ("face", "body", "car"), start: bool = True,
             shape: str | None = None):
        demo = prepare_demo(tmp_path / name, shards=shards, objects=objects, device=device,
                            types=types, start=start, shape=shape)
        made.append(demo.root)
        return demo

    try:
        yield make
    finally:
        for root in made:
            stop_demo(root, release_ports=True)
