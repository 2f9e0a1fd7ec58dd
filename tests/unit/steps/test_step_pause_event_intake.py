from __future__ import annotations

from install_fixtures import plan_of
from step_helpers import Harness

from ffwizard.core.events import EventKind


def test_planned_for_a_site_with_a_video_pipeline_and_undone_by_starting_it_again(gpu8):
    plan = plan_of(gpu8)
    step = plan.step("pause_event_intake")
    services = step.params.services
    assert services and all("video" in name for name in services)
    assert step.commands[0][-len(services):] == list(services)
    assert step.kind.needs(step, plan).services == services
    # Before the model switch: no event of the new model lands in the old shards.
    order = [s.id for s in plan.steps]
    assert order.index("pause_event_intake") < order.index("switch_model")

    h = Harness(plan)
    h.run_step("pause_event_intake")
    assert h.calls("stop_services") == [("stop_services", services)]
    assert "stopped" in h.run.state().points.get("pause_event_intake", [])
    assert any(e.kind == EventKind.MESSAGE and "paused" in e.text for e in h.events)
    h.undo_step("pause_event_intake")
    assert h.calls("start_services") == [("start_services", tuple(reversed(services)))]


def test_not_planned_when_the_answers_keep_intake_running(gpu8):
    plan = plan_of(gpu8, {"pause_intake": False})
    assert not plan.has("pause_event_intake") and not plan.has("resume_event_intake")
