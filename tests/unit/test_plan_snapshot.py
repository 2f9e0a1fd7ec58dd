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
def test_human_plan_matches_snapshot(capsys, monkeypatch, host_ports_free, name):
    from ffwizard.core import compose

    monkeypatch.setattr(compose, "installed_compose_command", lambda: ["docker", "compose"])
    main(["plan", "--root", str(INSTALLS / name), "--no-shard-counts"])
    out = capsys.readouterr().out.replace(str(INSTALLS.resolve() / name), "<root>")
    assert_matches_snapshot(out, SNAPSHOTS / f"plan_{name}.txt")


def assert_matches_snapshot(out: str, snapshot: Path) -> None:
    """A missing snapshot fails like a different one; only UPDATE_SNAPSHOTS writes it."""
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshot.write_text(out)
    assert snapshot.exists(), (f"no snapshot {snapshot.name}: review the output, then write it with "
                               "UPDATE_SNAPSHOTS=1")
    assert out == snapshot.read_text()


def test_a_missing_snapshot_fails_unless_an_update_is_asked(tmp_path, monkeypatch):
    monkeypatch.delenv("UPDATE_SNAPSHOTS", raising=False)
    snapshot = tmp_path / "plan_gone.txt"
    with pytest.raises(AssertionError, match="no snapshot"):
        assert_matches_snapshot("plan output\n", snapshot)
    assert not snapshot.exists()
    monkeypatch.setenv("UPDATE_SNAPSHOTS", "1")
    assert_matches_snapshot("plan output\n", snapshot)
    assert snapshot.read_text() == "plan output\n"
