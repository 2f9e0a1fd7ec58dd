from __future__ import annotations

from install_fixtures import plan_of
from step_helpers import OLD_COUNTS, Harness


def test_nothing_arrived_when_the_old_shards_held_still(gpu8):
    plan = plan_of(gpu8)
    h = Harness(plan)
    h.run_step("run_migration")  # marks the copy's start, copies
    h.run_step("count_arrivals")
    data = h.run.state().data["count_arrivals"]
    assert data["old_counts"] == data["new_counts"] == OLD_COUNTS
    assert data["arrivals"] == {}  # galleries with arrivals only
    calls = len(h.runtime.calls)
    h.undo_step("count_arrivals")  # read-only: nothing to undo
    assert len(h.runtime.calls) == calls


def test_objects_added_after_the_copy_started_are_counted_per_gallery(gpu8):
    plan = plan_of(gpu8, {"pause_intake": False})
    h = Harness(plan)
    h.run_step("run_migration")
    # Three events reach the first old shard's face gallery after the copy: not in the new ones.
    first_old = h.runtime.old_urls[0]
    counts = h.runtime.counts

    def counts_with_arrivals(base):
        held = dict(counts(base))
        if base == first_old:
            held["ffsec_face_events"] += 3
        return held

    h.runtime.counts = counts_with_arrivals
    h.run_step("count_arrivals")
    data = h.run.state().data["count_arrivals"]
    assert data["paused"] is False
    assert data["old_counts"]["ffsec_face_events"] == OLD_COUNTS["ffsec_face_events"] + 3
    assert data["new_counts"] == OLD_COUNTS
    mark = OLD_COUNTS["ffsec_face_events"]  # the fake's ids are 1…count: the last one at the start
    assert data["arrivals"] == {"ffsec_face_events": {"arrived": 3, "arrived_copied": 0,
                                                      "mark": mark, "last": mark + 3}}
    assert any("3" in e.text and "ffsec_face_events" in e.text for e in h.events)
