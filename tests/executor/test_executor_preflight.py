"""Preflight on a simulated installation, called as the wizard calls it (in-process)."""

from __future__ import annotations

from ffwizard.core.preflight import run_preflight
from ffwizard.runtime.sim import SimRuntime

from executor_helpers import NEW_MODELS, plan_of


def plan_for(root):
    plan = plan_of(root, {"models": NEW_MODELS["gpu"]})
    assert not plan.blocked, plan.problems
    return plan


def failures(plan, root):
    return [c.message for c in run_preflight(plan, SimRuntime(root)) if not c.ok]


def test_a_ready_installation_passes(make_sandbox):
    root = make_sandbox()
    assert failures(plan_for(root), root) == []


def test_new_shard_dir_holding_data_is_refused(make_sandbox):
    root = make_sandbox()
    plan = plan_for(root)
    new_dir = plan.step("create_shard_dirs").params.dirs[0]
    (root / new_dir).mkdir(parents=True)
    (root / new_dir / "00000000000000000001.snap").write_text("{}")
    assert failures(plan, root) == [f"the new shard directory {new_dir} already holds data: choose "
                                    f"another shard name, or move it away."]


def test_an_empty_new_shard_dir_is_fine(make_sandbox):
    root = make_sandbox()
    plan = plan_for(root)
    new_dir = plan.step("create_shard_dirs").params.dirs[0]
    for sub in ("index", "snapshots", "xlogs"):
        (root / new_dir / sub).mkdir(parents=True)
    assert failures(plan, root) == []


def test_a_file_changed_after_planning_is_refused(make_sandbox):
    root = make_sandbox()
    plan = plan_for(root)
    config = root / "configs/findface-extraction-api/findface-extraction-api.yaml"
    config.write_text(config.read_text() + "# edited by hand\n")
    assert failures(plan, root) == [f"{config} changed since the plan was made: review the plan again."]
