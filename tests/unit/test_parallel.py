"""core.parallel.map_in_threads: requests asked at once on threads kept for the process."""

from __future__ import annotations

import threading

import pytest

from ffwizard.core import parallel
from ffwizard.core.parallel import map_in_groups, map_in_threads


def test_results_come_in_the_items_order():
    assert map_in_threads(lambda n: n * n, list(range(40))) == [n * n for n in range(40)]


def test_the_threads_are_started_once_for_every_call():
    map_in_threads(lambda n: n, list(range(parallel.WORKERS * 2)))
    seen = []  # the thread objects themselves, kept: none can be mistaken for a new one
    for _ in range(20):
        seen += map_in_threads(lambda _n: threading.current_thread(), list(range(8)))
    assert len({id(thread) for thread in seen}) <= parallel.WORKERS
    assert all(thread.daemon and thread.name == "ffwizard-map" for thread in seen)


def test_items_are_asked_at_once():
    # Every task waits until all of them have started: it ends only if they run together.
    barrier = threading.Barrier(8, timeout=30)
    assert map_in_threads(lambda n: barrier.wait() >= 0 and n, list(range(8))) == list(range(8))


def test_a_task_that_fans_out_again_does_not_wait_for_itself():
    # More outer tasks than threads, each fanning out: inside the pool the inner items run
    # one after another in the task's own thread.
    outer = parallel.WORKERS * 2
    assert map_in_threads(lambda n: sum(map_in_threads(lambda m: m, list(range(n)))),
                          list(range(outer))) == [
        sum(range(n)) for n in range(outer)]


def test_the_first_error_is_raised_after_every_task_ended():
    ended = []

    def work(n: int) -> int:
        if n == 3:
            raise ValueError("three")
        ended.append(n)
        return n

    with pytest.raises(ValueError, match="three"):
        map_in_threads(work, list(range(10)))
    assert sorted(ended) == [n for n in range(10) if n != 3]


def test_map_in_groups_asks_all_at_once_and_gives_each_group_its_results():
    both_waiting = threading.Barrier(3, timeout=30)  # one item of each group and this test

    def work(n: int) -> int:
        if n in (1, 10):  # one of each group: they can only meet if they run at once
            both_waiting.wait()
        return n * 2

    groups = [[1, 2, 3], [], [10, 20]]
    answered = []
    thread = threading.Thread(target=lambda: answered.append(map_in_groups(work, groups)))
    thread.start()
    both_waiting.wait()
    thread.join(timeout=30)
    assert answered == [[[2, 4, 6], [], [20, 40]]]
    assert map_in_groups(work, []) == [] and map_in_groups(work, [[], []]) == [[], []]
