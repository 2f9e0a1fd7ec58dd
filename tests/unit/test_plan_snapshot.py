"""The human output of `ffwizard plan`, compared with a reviewed snapshot (paths made relative).

Refresh after an intended change with: UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_plan_snapshot.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from install_fixtures import INSTALLS

from ffwizard.cli import main

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize("name", ["cpu4_block", "disagree"])
def test_human_plan_matches_snapshot(capsys, monkeypatch, name):
    from ffwizard.core import compose

    monkeypatch.setattr(compose, "installed_compose_command", lambda: ["docker", "compose"])
    main(["plan", "--root", str(INSTALLS / name), "--no-shard-counts"])
    out = capsys.readouterr().out.replace(str(INSTALLS.resolve() / name), "<root>")
    snapshot = SNAPSHOTS / f"plan_{name}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") or not snapshot.exists():
        snapshot.write_text(out)
    assert out == snapshot.read_text()
