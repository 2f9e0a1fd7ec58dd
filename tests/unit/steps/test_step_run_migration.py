from __future__ import annotations

import pytest

from install_fixtures import plan_of
from step_helpers import OLD_COUNTS, Harness

from ffwizard.core.errors import StepFailed
from ffwizard.core.events import EventKind


def test_the_tool_runs_detached_and_is_followed_to_its_end(gpu8):
    plan = plan_of(gpu8)
    step = plan.step("run_migration")
    assert step.kind.needs(step, plan).healthy_shards == step.params.old_shard_urls
    h = Harness(plan)
    h.run_step("run_migration")
    assert h.calls("detached") == [("detached", step.params.service, step.params.argv, "/")]
    data = h.run.state().data["run_migration"]
    assert data["old_counts"] == OLD_COUNTS and data["objects"] == sum(OLD_COUNTS.values())
    assert "migrating" in h.run.log.read_text()
    assert any(e.kind == EventKind.PROGRESS for e in h.events)
    calls = len(h.runtime.calls)
    h.undo_step("run_migration")  # its shards go with add_new_shards' undo
    assert len(h.runtime.calls) == calls
    step.kind.stop_tool(step, h.ctx)  # also where the tool runs (a container outlives ffwizard)
    assert h.calls("stop_detached") == [("stop_detached", step.params.service, step.params.argv)]


def test_it_refuses_to_start_into_shards_that_hold_objects(gpu8):
    plan = plan_of(gpu8)
    h = Harness(plan)
    h.runtime.marker.touch()
    with pytest.raises(StepFailed, match="already hold objects"):
        h.run_step("run_migration")


def test_a_rerun_waits_until_the_migration_ran(gpu8):
    plan = plan_of(gpu8)
    h = Harness(plan)
    step = plan.step("run_migration")
    refusal = step.kind.rerun_refusal(step, plan, h.run.state(), h.run.migration_exit)
    assert refusal == "there is no migration to re-run at this point of the run."
