from __future__ import annotations

from install_fixtures import plan_of
from step_helpers import Harness


def test_the_config_is_switched_the_service_restarted_and_undone(gpu8):
    plan = plan_of(gpu8, {"models": {"face": "face/nectarine_m_160.gpu.fnk"}})
    step = plan.step("switch_model")
    change = step.changes[0]
    assert change.before != change.after and "nectarine_m_160" in change.after
    assert step.kind.needs(step, plan).models_in == step.params.service
    h = Harness(plan)
    h.run_step("switch_model")
    assert change.path.read_text() == change.after
    assert h.calls("restart") == [("restart", step.params.service)]
    h.undo_step("switch_model")
    assert change.path.read_text() == change.before
    assert len(h.calls("restart")) == 2  # back on the old model
