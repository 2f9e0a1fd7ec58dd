"""The steps' waits end on events, with the shipped settings: the migration's follower wakes
when the detached tool ends (not at the end of its 2 s poll), and a health check after a
restart retries soon, then backs off."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from install_fixtures import plan_of
from step_helpers import FakeRuntime, Harness

from ffwizard.core.ports import HttpAnswer
from ffwizard.core.settings import Settings
from ffwizard.core.steps.base import HEALTH_FIRST_RETRY, HEALTH_RETRY_CAP, StepContext


class ToolThatWaits(FakeRuntime):
    """The detached tool ends once `go` exists (and marks the copy done)."""

    go: Path

    def detached_host_argv(self, service, argv, *, workdir=None):
        super().detached_host_argv(service, argv, workdir=workdir)
        return [sys.executable, "-c",
                "import pathlib, time\n"
                f"while not pathlib.Path({str(self.go)!r}).exists(): time.sleep(0.01)\n"
                f"pathlib.Path({str(self.marker)!r}).touch()"]


def wait_for_point(points: Path, name: str, thread: threading.Thread) -> None:
    while thread.is_alive():
        if points.exists() and name in points.read_text().splitlines():
            return
        threading.Event().wait(0.01)


def test_the_follower_wakes_when_the_tool_ends_not_at_the_next_poll(gpu8, tmp_path):
    plan = plan_of(gpu8)
    migration = plan.step("run_migration").params
    runtime = ToolThatWaits(plan.root, migration.old_shard_urls, migration.new_shard_urls)
    runtime.go = tmp_path / "go"
    h = Harness(plan, runtime)
    points = tmp_path / "points.txt"
    # An hour between progress samples: only the tool's end can end the wait in time.
    h.ctx.settings = Settings(poll_interval=3600, test_points_file=points)
    done = threading.Event()
    follower = threading.Thread(target=lambda: (h.run_step("run_migration"), done.set()),
                                daemon=True)
    follower.start()
    wait_for_point(points, "run_migration:waiting", follower)  # asleep until the next sample
    runtime.go.touch()
    follower.join(timeout=60)
    stuck = follower.is_alive()
    h.ctx.stop_requested.set()  # frees a follower still asleep (the test has failed then)
    assert not stuck and done.is_set()
    assert h.run.state().data["run_migration"]["objects"] > 0


class PausesKept(StepContext):
    """A step context that records the pauses its waits ask for (and does not pause)."""

    pauses: list[float]

    def sleep(self, seconds, *, until=None):
        self.pauses.append(round(seconds, 3))


def test_a_health_check_retries_soon_then_backs_off(gpu8):
    plan = plan_of(gpu8)
    h = Harness(plan)
    url = "http://127.0.0.1:18666/"
    answers = iter([HttpAnswer(503)] * 8 + [HttpAnswer(200)])

    def http_get(asked, timeout=5.0):
        assert asked == url
        return next(answers)

    h.runtime.http_get = http_get
    ctx = PausesKept(h.run, plan, h.runtime, Settings(), h.events.append)  # shipped: 2 s poll
    ctx.pauses = []
    ctx.wait_http(url, "extraction")
    assert ctx.pauses[0] == HEALTH_FIRST_RETRY < 0.1
    assert ctx.pauses == sorted(ctx.pauses)  # never sooner than the last one
    assert ctx.pauses[1] == 2 * HEALTH_FIRST_RETRY
    assert max(ctx.pauses) == HEALTH_RETRY_CAP
    assert len(ctx.pauses) == 8
