from __future__ import annotations

from pathlib import Path

from install_fixtures import plan_of
from step_helpers import Harness


def test_new_dirs_are_made_with_their_subdirs_and_removed_on_undo(gpu8):
    plan = plan_of(gpu8)
    step = plan.step("create_shard_dirs")
    dirs = [Path(d) for d in step.params.dirs]
    assert dirs and not any(d.exists() for d in dirs)
    assert step.kind.needs(step, plan).free_dirs == step.params.dirs
    h = Harness(plan)
    h.run_step("create_shard_dirs")
    for d in dirs:
        assert sorted(p.name for p in d.iterdir()) == ["index", "snapshots", "xlogs"]
    assert h.run.state().data["create_shard_dirs"]["created"] == [str(d) for d in dirs]
    h.undo_step("create_shard_dirs")
    assert not any(d.exists() for d in dirs)


def test_a_dir_that_got_data_is_moved_aside_not_deleted(gpu8):
    plan = plan_of(gpu8)
    h = Harness(plan)
    h.run_step("create_shard_dirs")
    first = Path(plan.step("create_shard_dirs").params.dirs[0])
    (first / "xlogs" / "00000.xlog").write_text("data")
    h.undo_step("create_shard_dirs")
    assert not first.exists()
    assert list(h.run.aside.rglob("00000.xlog"))
