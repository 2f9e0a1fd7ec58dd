"""Fixtures shared by every test package."""

from __future__ import annotations

from pathlib import Path

import pytest


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
