"""Calls made in parallel threads, their results in order: what the shard counts, the copy's
start marks and preflight need of a thread pool.

The threads are kept for the whole process and started once: a run asks the shards at once a
few dozen times, and a new thread per call meant more than a hundred thread starts a run, each
waiting for the interpreter's lock on a loaded machine (0.27 s at 40,000 objects). Not
concurrent.futures: its import brings logging (~4 ms), paid by every command that can count a
shard, `plan` included.

A call from one of these threads (a task that fans out again) runs its items one after another
in that thread, so that a task never waits for threads that wait for it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import TypeVar

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

WORKERS = 16  # threads kept at most

_wake = threading.Condition(threading.Lock())
_jobs: deque[Callable[[], None]] = deque()
_threads: list[threading.Thread] = []
_idle = 0
_inside = threading.local()


def _work() -> None:
    global _idle
    _inside.worker = True
    while True:
        with _wake:
            while not _jobs:
                _idle += 1
                _wake.wait()
                _idle -= 1
            job = _jobs.popleft()
        job()


def _submit(jobs: list[Callable[[], None]]) -> None:
    with _wake:
        _jobs.extend(jobs)
        missing = min(WORKERS - len(_threads), len(_jobs) - _idle)
        for _ in range(max(0, missing)):
            thread = threading.Thread(target=_work, name="ffwizard-map", daemon=True)
            _threads.append(thread)
            thread.start()
        _wake.notify(len(jobs))


def map_in_threads(function: Callable[[ItemT], ResultT], items: Sequence[ItemT], *,
                   workers: int = WORKERS) -> list[ResultT]:
    """`[function(item) for item in items]`, at most `workers` calls at a time, as
    `ThreadPoolExecutor.map` gives them: once every call has returned, the first item's
    exception (in the items' order) is raised, else the results in the items' order."""
    if len(items) <= 1 or getattr(_inside, "worker", False):
        return [function(item) for item in items]
    results: list[ResultT | None] = [None] * len(items)
    errors: list[BaseException | None] = [None] * len(items)
    taken = iter(range(len(items)))
    lock = threading.Lock()
    runners = min(workers, len(items))
    left = [runners]
    finished = threading.Event()

    def run() -> None:
        try:
            while True:
                with lock:
                    index = next(taken, None)
                if index is None:
                    return
                try:
                    results[index] = function(items[index])
                except BaseException as err:  # raised in the caller's thread, below
                    errors[index] = err
        finally:
            with lock:
                left[0] -= 1
                if not left[0]:
                    finished.set()

    _submit([run] * runners)
    finished.wait()
    for error in errors:
        if error is not None:
            raise error
    return results  # type: ignore[return-value]  # every slot filled: no error was left


def map_in_groups(function: Callable[[ItemT], ResultT],
                  groups: Sequence[Sequence[ItemT]]) -> list[list[ResultT]]:
    """`map_in_threads` over every item of every group at once (the old shards and the new
    ones in one go), the results grouped as the items were."""
    results = map_in_threads(function, [item for group in groups for item in group])
    grouped, start = [], 0
    for group in groups:
        grouped.append(results[start:start + len(group)])
        start += len(group)
    return grouped
