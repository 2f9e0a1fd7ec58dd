"""A stalled copy told apart from a slow one, remembered across processes.

Whoever samples the copy's progress (the executor, `status`, `attach`) records in the run
directory how many objects the new shards held and since when that number has not changed;
the next sample, from any process, knows how long the copy has made no progress.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from ffwizard.core.atomic import atomic_write_text
from ffwizard.core.progress import ProgressSample

MARK_FILE = "progress.json"


def seconds_without_progress(run_dir: Path, done: int, now: float | None = None) -> float:
    """Seconds since the number of copied objects was last seen to change (0 when it changed
    now); records the observation."""
    now = time.time() if now is None else now
    path = Path(run_dir) / MARK_FILE
    try:
        mark = json.loads(path.read_text())
        seen, since = int(mark["done"]), float(mark["since"])
    except (OSError, ValueError, KeyError, TypeError):
        seen, since = -1, now
    if seen != done:
        try:
            atomic_write_text(path, json.dumps({"done": done, "since": now}))
        except OSError:
            pass  # a read-only look (status on a copy of the run directory): just no memory
        return 0.0
    return max(0.0, now - since)


def with_stall(sample: ProgressSample, run_dir: Path, stall_seconds: float) -> ProgressSample:
    """The sample, marked stalled when nothing was copied for `stall_seconds` or longer (a
    finished copy is never stalled)."""
    idle = seconds_without_progress(run_dir, sample.done)
    if sample.total and sample.done >= sample.total:
        return sample
    if stall_seconds > 0 and idle >= stall_seconds:
        return dataclasses.replace(sample, stalled_for=idle)
    return sample
