"""A live site: the simulated video worker keeps adding events while the migration runs.

With intake running, the run finishes and the window is counted exactly (checked against the
shards' data on disk); with intake paused, no object arrives, the video services are stopped
through the window and running again after the sf-api switch, and after a rollback.
"""

from __future__ import annotations

import time

from executor_helpers import ffwizard, journal_events, shard_content, shard_dirs, write_answers

from ffwizard.core.journal import find_run
from ffwizard.demo.faults import set_faults
from ffwizard.runtime.sim import SimRuntime

VIDEO = ("findface-video-worker-gpu", "findface-video-manager")
LIVE = {"FFSIM_PACE": "150"}  # a copy of a few seconds: events arrive while it runs


def live_sandbox(make_sandbox, name: str = "install"):
    root = make_sandbox(name, objects=300)
    set_faults(root, FFSIM_EVENTS_PER_SECOND=25)
    SimRuntime(root).restart(VIDEO[0])  # the knob is read when the worker starts
    wait_for_events(root)
    return root


def old_objects(root) -> dict[str, set[int]]:
    ids: dict[str, set[int]] = {}
    for d in shard_dirs(root):
        if d.name < "shard-011":
            for gallery, (_model, objects) in shard_content(d).items():
                ids.setdefault(gallery, set()).update(i for i, _ in objects)
    return ids


def new_objects(root) -> dict[str, set[int]]:
    ids: dict[str, set[int]] = {}
    for d in shard_dirs(root):
        if d.name >= "shard-011":
            for gallery, (_model, objects) in shard_content(d).items():
                ids.setdefault(gallery, set()).update(i for i, _ in objects)
    return ids


def wait_for_events(root, timeout: float = 30.0) -> None:
    """Until the old shards hold more objects than a moment ago: the worker adds events."""
    first = live_total(root)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if live_total(root) > first:
            return
        time.sleep(0.1)
    raise AssertionError("the video worker added no event: "
                         + (root / ".sim/logs" / f"{VIDEO[0]}.log").read_text())


def live_total(root) -> int:
    from ffwizard.core.progress import gallery_counts
    from ffwizard.demo.sandbox import open_sandbox

    box = open_sandbox(root)
    urls = [f"http://127.0.0.1:{box.ports.shard_http + i}/" for i in range(box.shards)]
    return sum(gallery_counts(SimRuntime(root), urls).values())


def video_states(root) -> dict[str, str]:
    services = SimRuntime(root).services()
    return {name: services[name].state for name in VIDEO}


def step_data(root, step: str) -> dict:
    run = find_run(root)
    return run.state().data.get(step, {})


def test_intake_running_the_run_finishes_and_counts_the_arrivals_exactly(make_sandbox, tmp_path):
    root = live_sandbox(make_sandbox)
    answers = write_answers(tmp_path, pause_intake=False)
    result = ffwizard("apply", "--root", str(root), "--answers", str(answers), "--runtime", "sim",
                      "--yes", env=LIVE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Pause event intake" not in result.stdout
    counted = step_data(root, "count_arrivals")
    arrivals = counted["arrivals"]
    assert arrivals, "no event arrived during a paced copy with the worker at 25 events/s"
    old, new = old_objects(root), new_objects(root)  # on disk, the old shards stopped
    marks = step_data(root, "run_migration")["marks"]
    for gallery, item in arrivals.items():
        assert item["mark"] == marks[gallery]
        window = {i for i in old[gallery] if marks[gallery] < i <= item["last"]}
        assert item["arrived"] == len(window), gallery
        assert item["arrived_copied"] == len(window & new.get(gallery, set())), gallery
    for gallery, mark in marks.items():  # every object of the copy's start is in the new shards
        assert {i for i in old.get(gallery, set()) if i <= mark} <= new.get(gallery, set())
    arrived = sum(a["arrived"] for a in arrivals.values())
    copied = sum(a["arrived_copied"] for a in arrivals.values())
    assert f"{arrived:,} objects arrived in the old shards after the copy started; " \
           f"{copied:,} of them are in the new shards" in result.stdout
    report = find_run(root).report.read_text()
    assert "## Events during the copy" in report
    assert video_states(root) == {name: "running" for name in VIDEO}


def test_intake_paused_nothing_arrives_and_the_video_services_stop_and_start(make_sandbox,
                                                                              tmp_path):
    root = live_sandbox(make_sandbox)
    answers = write_answers(tmp_path)  # pause_intake: the default where a video pipeline runs
    stopped = ffwizard("apply", "--root", str(root), "--answers", str(answers), "--runtime", "sim",
                       env=LIVE)
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr  # at the point of no return
    assert video_states(root) == {name: "exited" for name in VIDEO}
    assert step_data(root, "count_arrivals")["arrivals"] == {}
    assert step_data(root, "count_arrivals")["paused"] is True
    assert "Event intake was paused: no object arrived" in stopped.stdout
    copy = step_data(root, "verify_copy")
    assert copy["old_counts"] == copy["new_counts"] and copy["mismatches"] == []
    done = ffwizard("resume", "--root", str(root), "--yes", env=LIVE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert video_states(root) == {name: "running" for name in VIDEO}
    events = [e for e in journal_events(root) if e["event"] == "step_done"]
    order = [e["step"] for e in events]
    assert order.index("pause_event_intake") < order.index("switch_model")
    assert order.index("switch_sf_api") < order.index("resume_event_intake")


def test_intake_paused_then_rolled_back_the_video_services_run_again(make_sandbox, tmp_path):
    root = live_sandbox(make_sandbox)
    answers = write_answers(tmp_path)
    stopped = ffwizard("apply", "--root", str(root), "--answers", str(answers), "--runtime", "sim",
                       env=LIVE)
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert video_states(root) == {name: "exited" for name in VIDEO}
    rolled = ffwizard("rollback", "--root", str(root))
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert video_states(root) == {name: "running" for name in VIDEO}
    wait_for_events(root)  # and they produce events again
