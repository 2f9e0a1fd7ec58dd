"""The default demo's copy lasts about a minute (rate and time left visible); tests' sandboxes,
built through prepare_demo, keep their full speed."""

from __future__ import annotations

import json

from ffwizard.cli import main
from ffwizard.demo import DEFAULT_OBJECTS, DEMO_COPY_SECONDS
from ffwizard.demo.faults import FAULTS_FILE
from ffwizard.runtime.sim import prepare_demo, stop_demo


def knobs(root) -> dict:
    path = root / FAULTS_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def test_the_default_demo_is_paced_to_about_a_minute(tmp_path, capsys):
    root = tmp_path / "demo"
    try:
        assert main(["demo", "--prepare-only", "--sandbox", str(root)]) == 0
        pace = int(knobs(root)["FFSIM_PACE"])
        assert 45 <= DEFAULT_OBJECTS / pace <= 90 and DEMO_COPY_SECONDS == 60
        # Reused without --pace: kept; --pace 0: as fast as the tool can.
        assert main(["demo", "--prepare-only", "--sandbox", str(root)]) == 0
        assert int(knobs(root)["FFSIM_PACE"]) == pace
        assert main(["demo", "--prepare-only", "--sandbox", str(root), "--pace", "0"]) == 0
        assert "FFSIM_PACE" not in knobs(root)
    finally:
        stop_demo(root, release_ports=True)
    capsys.readouterr()


def test_sandboxes_of_the_tests_are_not_paced(tmp_path):
    demo = prepare_demo(tmp_path / "sb", shards=2, objects=100, start=False)
    assert "FFSIM_PACE" not in knobs(demo.root)
