"""Fixtures of the wizard's tests: a demo sandbox and the app on it."""

from __future__ import annotations

import pytest


@pytest.fixture
def fast_executor(monkeypatch):
    """Progress polled every 0.2 s instead of 2 s, so a demo run takes seconds."""
    monkeypatch.setenv("FFWIZARD_POLL_INTERVAL", "0.2")
