"""Fixtures of the wizard's tests: a demo sandbox and the app on it."""

from __future__ import annotations

import os
import secrets
import shutil
import string
from pathlib import Path

import pytest


@pytest.fixture
def fast_executor(monkeypatch):
    """Progress polled every 0.2 s instead of 2 s, so a demo run takes seconds."""
    monkeypatch.setenv("FFWIZARD_POLL_INTERVAL", "0.2")


@pytest.fixture(scope="session")
def snapshot_dir():
    """The run's own parent of the snapshot tests' sandboxes: `/tmp/ffwizard-s` and 8 random
    letters or digits, as long as the path the pictures show (test_snapshots.SHOWN_DIR).
    Removed at the end, with any sandbox a test left running in it."""
    alphabet = string.ascii_lowercase + string.digits
    while True:
        path = Path("/tmp/ffwizard-s" + "".join(secrets.choice(alphabet) for _ in range(8)))
        try:
            os.mkdir(path, 0o755)
            break
        except FileExistsError:
            continue
    try:
        yield path
    finally:
        from ffwizard.runtime.sim import stop_demo

        for marker in path.glob("*/findface-multi/.sim/sandbox.json"):
            try:
                stop_demo(marker.parent.parent, release_ports=True)
            except Exception:
                pass
        shutil.rmtree(path, ignore_errors=True)
