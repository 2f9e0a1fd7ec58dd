from __future__ import annotations

import json

import pytest

from install_fixtures import plan_of
from step_helpers import OLD_COUNTS, Harness

from ffwizard.core.errors import StepFailed
from ffwizard.core.ports import HttpAnswer


def test_counts_may_grow_never_shrink_and_sf_api_must_serve_them(gpu8):
    plan = plan_of(gpu8)
    step = plan.step("verify_final")
    h = Harness(plan)
    h.runtime.marker.touch()
    h.ctx.data(step.params.old_counts_from, new_counts=OLD_COUNTS)
    h.run_step("verify_final")
    assert h.run.state().data["verify_final"]["final_counts"] == OLD_COUNTS
    h.undo_step("verify_final")
    galleries = step.params.sf_api_url.rstrip("/") + "/v2/galleries"
    h.runtime.answers[galleries] = HttpAnswer(200, json.dumps({"ffsec_face_events": 1}).encode())
    with pytest.raises(StepFailed, match="sf-api does not serve"):
        h.run_step("verify_final")
    h.ctx.data(step.params.old_counts_from, new_counts={"ffsec_face_events": 99})
    del h.runtime.answers[galleries]
    with pytest.raises(StepFailed, match="went missing"):
        h.run_step("verify_final")
