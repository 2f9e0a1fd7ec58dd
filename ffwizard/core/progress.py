"""Migration progress measured from the shards, not from the tool's log.

Done = objects in the new shards, total = objects in the old shards (both from each shard's
`GET /stat/list/1/99`, summed over shards per gallery). Rate is taken over a sliding window of
samples, so the ETA follows the recent pace.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ffwizard.core.errors import CountError
from ffwizard.core.parallel import map_in_groups
from ffwizard.core.ports import Runtime
from ffwizard.i18n import _, format_count, format_decimal

STAT_PATH = "stat/list/1/99"


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
        raise ValueError(_("unexpected gallery list"))
    for item in items:
        if isinstance(item, dict):
            name = item.get("name") or item.get("gallery")
            count = next((item[k] for k in ("count", "size", "objects", "total") if k in item), None)
            if isinstance(count, dict):
                count = count.get("count", count.get("total"))
        elif isinstance(item, list) and len(item) >= 2:
            name, count = item[0], item[1]
        else:
            raise ValueError(_("unexpected gallery item"))
        if name is None or count is None:
            raise ValueError(_("gallery item without name or count"))
        counts[str(name)] = counts.get(str(name), 0) + int(count)
    return counts


def stat_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/" + STAT_PATH


def gallery_counts(runtime: Runtime, base_urls: list[str],
                   timeout: float = 10.0) -> dict[str, int]:
    """Objects per gallery summed over the shards at `base_urls` (asked in parallel: a poll
    costs about one request, not one per shard)."""
    return gallery_counts_of(runtime, [base_urls], timeout)[0]


def gallery_counts_of(runtime: Runtime, groups: list[list[str]],
                      timeout: float = 10.0) -> list[dict[str, int]]:
    """`gallery_counts` of each group of shards (the old ones, the new ones), every shard of
    every group asked at once."""
    answered = map_in_groups(lambda base: runtime.http_get(stat_url(base), timeout=timeout),
                             groups)
    results = []
    for group, answers in zip(groups, answered):
        totals: dict[str, int] = {}
        for base, answer in zip(group, answers):
            if answer.status != 200:
                why = answer.error or f"HTTP {answer.status}"
                raise CountError(_("the shard at {url} did not list its galleries ({why})")
                                 .format(url=base, why=why))
            try:
                counts = parse_gallery_counts(answer.body)
            except ValueError as err:
                raise CountError(_("the shard at {url} answered a gallery list ffwizard cannot "
                                   "read ({error})").format(url=base, error=err)) from None
            for name, count in counts.items():
                totals[name] = totals.get(name, 0) + count
        results.append(totals)
    return results


@dataclass(frozen=True)
class ProgressSample:
    """The copy's progress at one moment: objects done of total, rate and time left."""

    done: int
    total: int
    rate: float | None      # objects per second over the recent window
    eta_seconds: float | None
    elapsed: float
    stalled_for: float | None = None  # seconds without a new object, once past the stall time

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0

    def describe(self) -> str:
        if self.stalled_for is not None:
            # A rate and a time left are not true of a copy that is not moving.
            return _("{done}/{total} objects ({percent})").format(
                done=format_count(self.done), total=format_count(self.total),
                percent=f"{self.fraction:.0%}") + " — " + stalled_words(self.stalled_for)
        return self._describe()

    def _describe(self) -> str:
        percent = f"{self.fraction:.0%}"
        done, total = format_count(self.done), format_count(self.total)
        if self.rate and self.eta_seconds is not None:
            return _("{done}/{total} objects ({percent}), {rate}/s, about {eta} left").format(
                done=done, total=total, percent=percent, rate=format_decimal(self.rate),
                eta=format_duration(self.eta_seconds))
        if self.rate:
            return _("{done}/{total} objects ({percent}), {rate}/s").format(
                done=done, total=total, percent=percent, rate=format_decimal(self.rate))
        if self.eta_seconds is not None:
            return _("{done}/{total} objects ({percent}), about {eta} left").format(
                done=done, total=total, percent=percent,
                eta=format_duration(self.eta_seconds))
        return _("{done}/{total} objects ({percent})").format(
            done=done, total=total, percent=percent)


class ProgressMeter:
    def __init__(self, total: int, *, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
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
    """A short duration in the current language: `42s`, `5m07s`, `1h02m`, `3d4h` (Russian:
    `42 с`, `5 мин 7 с`, `1 ч 2 мин`, `3 д 4 ч`). The spaces inside are no-break spaces: a
    duration is one word to a line-wrapping terminal ("5" never ends a line, "мин" never
    starts the next)."""
    return _spelled_duration(seconds).replace(" ", "\u00a0")


def _spelled_duration(seconds: float) -> str:
    if 0 < seconds < 0.5:
        # TRANSLATORS: a duration shorter than a second (a demo's steps), short.
        return _("<1s")
    seconds = int(round(seconds))
    if seconds < 60:
        # TRANSLATORS: a duration in seconds, short (as in a table cell or "about ... left").
        return _("{seconds}s").format(seconds=seconds)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        # TRANSLATORS: a duration, short; {seconds:02d} pads to two digits ("5m07s").
        return _("{minutes}m{seconds:02d}s").format(minutes=minutes, seconds=seconds)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        # TRANSLATORS: a duration, short; {minutes:02d} pads to two digits ("1h02m").
        return _("{hours}h{minutes:02d}m").format(hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    # TRANSLATORS: a duration in days and hours, short ("3d4h").
    return _("{days}d{hours}h").format(days=days, hours=hours)


def stalled_words(seconds: float) -> str:
    """What a stalled copy means and what to check, in one sentence."""
    return _("stalled: no object copied for {duration}. Check the migration tool's output, the "
             "extraction service and the new shards; stop it with 'ffwizard attach "
             "--stop-migration', then 'ffwizard resume --rerun-migration'.").format(
                 duration=format_duration(seconds))
