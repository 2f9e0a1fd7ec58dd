"""Simulated installations for the executor's tests, and helpers to drive the CLI on them."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def make_sandbox(tmp_path):
    """make_sandbox(name="install", shards=2, objects=300, device="gpu", shape=None) -> root of
    a running simulated installation (shape: a name in ffwizard.demo.shapes); everything it
    started is stopped afterwards."""
    from ffwizard.runtime.sim import prepare_demo, stop_demo

    made: list[Path] = []

    def make(name: str = "install", *, shards: int = 2, objects: int = 300,
             device: str = "gpu", shape: str | None = None) -> Path:
        demo = prepare_demo(tmp_path / name, shards=shards, objects=objects, device=device,
                            shape=shape)
        made.append(demo.root)
        return demo.root

    yield make
    from ffwizard.core import detached

    for root in made:
        for pid_file in root.glob(".ffwizard/run*/**/migration.exit.pid"):
            state = detached.read_state(pid_file.with_suffix(""))
            if state is not None:
                detached.stop(state, grace=2)
        stop_demo(root, release_ports=True)


