from __future__ import annotations

import pytest

from install_fixtures import plan_of
from step_helpers import OLD_COUNTS, Harness

from ffwizard.core.errors import StepFailed


def test_equal_counts_pass_and_are_recorded(gpu8):
    plan = plan_of(gpu8)
    h = Harness(plan)
    h.runtime.marker.touch()
    h.run_step("verify_copy")
    data = h.run.state().data["verify_copy"]
    assert data["old_counts"] == data["new_counts"] == OLD_COUNTS and not data["mismatches"]
    h.undo_step("verify_copy")  # a check: nothing to undo


def test_a_missing_object_stops_the_run(gpu8):
    plan = plan_of(gpu8)
    h = Harness(plan)
    with pytest.raises(StepFailed, match="do not hold the same objects"):
        h.run_step("verify_copy")
