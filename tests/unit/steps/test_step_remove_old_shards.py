from __future__ import annotations

from install_fixtures import plan_of
from step_helpers import Harness


def test_old_services_leave_the_compose_file_and_come_back_on_undo(gpu8):
    plan = plan_of(gpu8)
    step = plan.step("remove_old_shards")
    assert plan.confirm_before == step.id  # asked together with the point of no return
    needs = step.kind.needs(step, plan)
    assert needs.services == step.params.services and not needs.files_as_planned
    original = plan.step("add_new_shards").changes[0].before
    h = Harness(plan)
    h.run_step("add_new_shards")
    h.run_step("remove_old_shards")
    assert step.changes[0].path.read_text() == step.changes[0].after
    assert ("compose_up", True) in h.runtime.calls
    h.undo_step("remove_old_shards")
    assert step.changes[0].path.read_text() == original  # the first backup is kept
    assert h.runtime.calls[-1] == ("compose_up", False)
