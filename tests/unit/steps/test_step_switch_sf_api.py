from __future__ import annotations

from install_fixtures import plan_of
from step_helpers import Harness


def test_sf_api_is_switched_restarted_and_cannot_be_undone(gpu8):
    plan = plan_of(gpu8)
    step = plan.step("switch_sf_api")
    assert step.point_of_no_return and not step.reversible
    assert plan.point_of_no_return == step.id
    h = Harness(plan)
    h.run_step("switch_sf_api")
    assert step.changes[0].path.read_text() == step.changes[0].after
    assert h.calls("restart") == [("restart", step.params.service)]
    h.undo_step("switch_sf_api")  # no undo: the executor refuses a rollback past it
    assert step.changes[0].path.read_text() == step.changes[0].after
