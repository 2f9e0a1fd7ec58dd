from __future__ import annotations

from install_fixtures import plan_of
from step_helpers import Harness


def test_started_again_right_after_the_sf_api_switch_and_not_undone(gpu8):
    plan = plan_of(gpu8)
    paused = plan.step("pause_event_intake").params.services
    step = plan.step("resume_event_intake")
    assert step.params.services == paused and not step.reversible
    order = [s.id for s in plan.steps]
    assert order.index("switch_sf_api") + 1 == order.index("resume_event_intake")

    h = Harness(plan)
    h.run_step("resume_event_intake")
    assert h.calls("start_services") == [("start_services", tuple(reversed(paused)))]
    assert "resumed" in h.run.state().points.get("resume_event_intake", [])
