"""Calls made in parallel threads, their results in order: what the shard counts need of a thread
pool. Not concurrent.futures: its import brings logging (~4 ms), paid by every command that can
count a shard, `plan` included."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


def map_in_threads(function: Callable[[ItemT], ResultT], items: Sequence[ItemT], *,
                   workers: int = 16) -> list[ResultT]:
    """`[function(item) for item in items]`, at most `workers` calls at a time, as
    `ThreadPoolExecutor.map` gives them: once every call has returned, the first item's
    exception (in the items' order) is raised, else the results in the items' order."""
    if len(items) <= 1:
        return [function(item) for item in items]
    results: list[ResultT | None] = [None] * len(items)
    errors: list[BaseException | None] = [None] * len(items)
    taken = iter(range(len(items)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                index = next(taken, None)
            if index is None:
                return
            try:
                results[index] = function(items[index])
            except BaseException as err:  # raised in the caller's thread, below
                errors[index] = err

    threads = [threading.Thread(target=work, name="ffwizard-map", daemon=True)
               for _ in range(min(workers, len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return results  # type: ignore[return-value]  # every slot filled: no error was left
