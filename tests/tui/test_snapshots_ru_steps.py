"""Pictures of the first steps in Russian at 80×24, beside the English ones of test_snapshots.py
(the same pinned sandbox, ports and knobs): the longer Russian words must fit the screen.
Update after a deliberate change with `pytest tests/tui/test_snapshots_ru_steps.py
--snapshot-update` and look at the pictures before committing them.
"""

from __future__ import annotations

from test_snapshots import SIZE, forward, one_snapshot_run_at_a_time, screens_demo, wizard  # noqa: F401

from ffwizard.i18n import set_language


def russian_wizard(demo):
    set_language("ru")
    return wizard(demo)


def test_welcome_ru(snap_compare, screens_demo):
    assert snap_compare(russian_wizard(screens_demo), terminal_size=SIZE)


def test_installation_ru(snap_compare, screens_demo):
    assert snap_compare(russian_wizard(screens_demo), terminal_size=SIZE, run_before=forward(1))


def test_shards_ru(snap_compare, screens_demo):
    assert snap_compare(russian_wizard(screens_demo), terminal_size=SIZE, run_before=forward(3))


def test_help_panel_ru(snap_compare, screens_demo):
    assert snap_compare(russian_wizard(screens_demo), press=["f1"], terminal_size=SIZE)
