"""Migration progress measured from the shards, not from the tool's log.

Done = objects in the new shards, total = objects in the old shards (both from each shard's
`GET /stat/list/1/99`, summed over shards per gallery). Rate is taken over a sliding window of
samples, so the ETA follows the recent pace.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass

STAT_PATH = "stat/list/1/99"


class CountError(Exception):
    """A shard did not answer its gallery list (message says which and why)."""


def parse_gallery_counts(body: bytes) -> dict[str, int]:
    """Gallery name -> object count from a shard's /stat/list answer.

    Accepted shapes: a list of {"name", "count"} (or "size"/"objects") items, a mapping of name ->
    count, or either wrapped in {"galleries": ...}.
    """
    data = json.loads(body)
    if isinstance(data, dict) and "galleries" in data:
        data = data["galleries"]
    counts: dict[str, int] = {}
    if isinstance(data, dict):
        items = [{"name": k, "count": v} for k, v in data.items()]
    elif isinstance(data, list):
        items = data
    else:
        raise ValueError("unexpected gallery list")
    for item in items:
        if isinstance(item, dict):
            name = item.get("name") or item.get("gallery")
            count = next((item[k] for k in ("count", "size", "objects", "total") if k in item), None)
            if isinstance(count, dict):
                count = count.get("count", count.get("total"))
        elif isinstance(item, list) and len(item) >= 2:
            name, count = item[0], item[1]
        else:
            raise ValueError("unexpected gallery item")
        if name is None or count is None:
            raise ValueError("gallery item without name or count")
        counts[str(name)] = counts.get(str(name), 0) + int(count)
    return counts


def stat_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/" + STAT_PATH


def gallery_counts(runtime, base_urls: list[str], timeout: float = 10.0) -> dict[str, int]:
    """Objects per gallery summed over the shards at `base_urls` (asked in parallel: a poll
    costs about one request, not one per shard)."""
    from concurrent.futures import ThreadPoolExecutor

    totals: dict[str, int] = {}
    if not base_urls:
        return totals
    with ThreadPoolExecutor(max_workers=min(16, len(base_urls))) as pool:
        answers = list(pool.map(lambda base: runtime.http_get(stat_url(base), timeout=timeout),
                                base_urls))
    for base, answer in zip(base_urls, answers):
        if answer.status != 200:
            why = answer.error or f"HTTP {answer.status}"
            raise CountError(f"the shard at {base} did not list its galleries ({why})")
        try:
            counts = parse_gallery_counts(answer.body)
        except ValueError as err:
            raise CountError(f"the shard at {base} answered a gallery list ffwizard cannot "
                             f"read ({err})") from None
        for name, count in counts.items():
            totals[name] = totals.get(name, 0) + count
    return totals


@dataclass(frozen=True)
class ProgressSample:
    done: int
    total: int
    rate: float | None      # objects per second over the recent window
    eta_seconds: float | None
    elapsed: float

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0

    def describe(self) -> str:
        text = f"{self.done}/{self.total} objects ({self.fraction:.0%})"
        if self.rate:
            text += f", {self.rate:.1f}/s"
        if self.eta_seconds is not None:
            text += f", about {format_duration(self.eta_seconds)} left"
        return text


class ProgressMeter:
    def __init__(self, total: int, *, window: float = 60.0, clock=time.monotonic):
        self.total = total
        self.window = window
        self.clock = clock
        self.started = clock()
        self.samples: deque[tuple[float, int]] = deque()

    def update(self, done: int) -> ProgressSample:
        now = self.clock()
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[0][0] > self.window:
            self.samples.popleft()
        rate = eta = None
        first_t, first_done = self.samples[0]
        if now > first_t and done >= first_done:
            rate = (done - first_done) / (now - first_t)
            if rate > 0:
                eta = max(0.0, (self.total - done) / rate)
        return ProgressSample(done, self.total, rate, eta, now - self.started)


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"
