"""The executor's waits end on events: the detached tool's end, a stop request."""

from __future__ import annotations

import sys
import threading
import time

from ffwizard.core import detached
from ffwizard.core.wakeup import ExitWatch, StopFlag


def launch_sleeper(tmp_path, seconds: float):
    exit_file = tmp_path / "migration.exit"
    detached.launch([sys.executable, "-c", f"import time; time.sleep({seconds})"],
                    log_file=tmp_path / "migration.log", exit_file=exit_file)
    return exit_file


def test_a_wait_ends_when_the_tool_ends_not_at_its_timeout(tmp_path):
    exit_file = launch_sleeper(tmp_path, 0.3)
    watch = ExitWatch(exit_file)
    start = time.monotonic()
    watch.wait(60, StopFlag())
    assert time.monotonic() - start < 30
    assert detached.read_exit(exit_file) == 0
    assert watch.ended


def test_after_the_end_a_wait_lasts_its_time(tmp_path):
    exit_file = launch_sleeper(tmp_path, 0)
    watch = ExitWatch(exit_file)
    watch.wait(60, StopFlag())
    assert watch.ended
    start = time.monotonic()
    watch.wait(0.2, StopFlag())
    assert time.monotonic() - start >= 0.19


def test_a_stop_request_from_another_thread_ends_the_wait(tmp_path):
    exit_file = launch_sleeper(tmp_path, 60)
    watch, stop = ExitWatch(exit_file), StopFlag()
    try:
        threading.Timer(0.1, stop.set).start()
        start = time.monotonic()
        watch.wait(60, stop)
        assert stop.is_set() and time.monotonic() - start < 30
        assert not watch.ended
    finally:
        detached.stop(detached.read_state(exit_file), grace=2)


def test_without_pidfds_short_polls_see_the_end(tmp_path, monkeypatch):
    monkeypatch.delattr("os.pidfd_open", raising=False)
    exit_file = launch_sleeper(tmp_path, 0.2)
    watch = ExitWatch(exit_file)
    start = time.monotonic()
    watch.wait(60, StopFlag())
    assert watch.ended and time.monotonic() - start < 30
