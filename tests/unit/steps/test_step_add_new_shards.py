from __future__ import annotations

from install_fixtures import plan_of
from step_helpers import Harness


def test_new_services_are_added_started_and_removed_on_undo(gpu8):
    plan = plan_of(gpu8)
    step = plan.step("add_new_shards")
    compose = step.changes[0]
    h = Harness(plan)
    h.run_step("add_new_shards")
    assert compose.path.read_text() == compose.after
    assert h.calls("compose_up") == [("compose_up", False)]
    h.undo_step("add_new_shards")
    assert h.calls("remove_services") == [("remove_services", step.params.services)]
    assert compose.path.read_text() == compose.before
