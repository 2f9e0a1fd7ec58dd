from __future__ import annotations

import pytest

from install_fixtures import plan_of
from step_helpers import Harness

from ffwizard.core.errors import StepFailed


def test_planned_only_when_asked_and_run_in_the_legacy_service(gpu8):
    assert not plan_of(gpu8, {"migrate_clusters": False}).has("migrate_clusters")
    plan = plan_of(gpu8, {"migrate_clusters": True})
    step = plan.step("migrate_clusters")
    assert step.kind.needs(step, plan).services == (step.params.service,)
    h = Harness(plan)
    h.run_step("migrate_clusters")
    assert h.calls("exec") == [("exec", step.params.service, step.params.argv, None)]
    h.undo_step("migrate_clusters")
    assert len(h.calls("exec")) == 1
    h.runtime.exec_code = 1
    with pytest.raises(StepFailed, match="ended with status 1"):
        h.run_step("migrate_clusters")
