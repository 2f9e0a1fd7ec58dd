"""`ffwizard plan` on a simulated site: the objects to re-extract read from the old shards, per
gallery and in total; the window's length and what it rests on — a guess said to be one before
any run here, the rate the last copy on this site measured after one; a shard that does not
answer is named, never counted as 0."""

from __future__ import annotations

from executor_helpers import ffwizard, shard_content, shard_dirs, write_answers

from ffwizard.core.journal import find_run
from ffwizard.core.progress import format_duration
from ffwizard.runtime.sim import SimRuntime


def words(text: str) -> str:
    return " ".join(text.split())


def objects_on_disk(root, first: str = "shard-001", last: str = "shard-010") -> dict[str, int]:
    """Objects per gallery in the shard directories `first`…`last`, read from disk."""
    counts: dict[str, int] = {}
    for d in shard_dirs(root):
        if not first <= d.name <= last:
            continue
        for gallery, (_model, objects) in shard_content(d).items():
            counts[gallery] = counts.get(gallery, 0) + len(objects)
    return counts


def test_plan_counts_the_objects_and_times_the_window_by_a_guess_then_by_a_measured_rate(
        make_sandbox, tmp_path):
    root = make_sandbox(objects=300)
    before = ffwizard("plan", "--root", str(root))
    assert before.returncode == 0, before.stdout + before.stderr
    out = words(before.stdout)
    counts = objects_on_disk(root)
    assert sum(counts.values()) == 300
    galleries = ", ".join(f"{g} {n:,}" for g, n in sorted(counts.items()) if n)
    assert f"objects 300 objects to re-extract ({galleries})" in out
    assert ("intake paused: findface-video-worker-gpu, findface-video-manager stopped from the "
            "model switch to the sf-api switch") in out
    assert ("window as long as the copy of 300 objects takes, which is not known before it "
            "runs: no rate of the migration tool is published and no earlier run here measured "
            "one. A guess, not a measurement: <1s at 1,000 objects/s, 15s at 20 objects/s.") in out

    answers = write_answers(tmp_path)
    run = ffwizard("apply", "--root", str(root), "--answers", str(answers), "--runtime", "sim",
                   "--yes", env={"FFSIM_PACE": "200"})
    assert run.returncode == 0, run.stdout + run.stderr
    finished = find_run(root)
    facts = finished.state().data["run_migration"]
    rate = facts["objects"] / facts["seconds"]
    run_id = finished.info()["run_id"]

    after = ffwizard("plan", "--root", str(root))
    out = words(after.stdout)
    # The migrated site's shards now are the new ones (the old directories stay, unused).
    total = sum(objects_on_disk(root, "shard-011", "shard-999").values())
    assert total == facts["objects"]
    assert (f"window about {format_duration(total / rate)} for the copy, plus the restarts "
            f"around it: {total:,} objects at {rate:,.1f} objects/s, the rate the copy of run "
            f"{run_id} reached on this site ({facts['objects']:,} objects in "
            f"{format_duration(facts['seconds'])}); a new model may be faster or slower") in out
    assert "A guess" not in out


def test_plan_names_a_shard_that_does_not_answer_instead_of_counting_it_0(make_sandbox):
    root = make_sandbox(objects=300)
    runtime = SimRuntime(root)
    down = "findface-tarantool-server-shard-002"
    runtime.stop_services([down])
    assert runtime.services()[down].state != "running"
    result = ffwizard("plan", "--root", str(root))
    out = words(result.stdout)
    assert "objects unknown before the run: the shard at http://127.0.0.1:" in out
    assert "/ did not list its galleries" in out
    assert "objects to re-extract" not in out and " 0 objects" not in out
    assert "window as long as the copy takes: hours to days on a large site" in out
