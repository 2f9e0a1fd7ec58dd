"""How many objects a migration re-extracts, read from the old shards before the start
(read-only): the scale of the window the engineer commits to, and how long that window lasts.

The window (from the model switch to the sf-api switch; with intake paused, the time the video
pipeline stays stopped) is as long as the copy, which re-extracts every object. Its length is
the number of objects over the copy's rate, and the rate is what nobody knows beforehand:
FINDFACE.md holds no rate of sf-api-migrate (doc, field or guess). So the estimate rests on
one of two things, and its text says which:

- a rate measured here: the copy of an earlier run on this site (its journal records the
  objects and the seconds), or
- a range of rates that is a guess (ASSUMED_RATES), said to be one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ffwizard.core.errors import CountError
from ffwizard.core.installation import Installation
from ffwizard.core.journal import RunDir, archive_dir, current_run_dir
from ffwizard.core.progress import format_duration, gallery_counts
from ffwizard.core.steps.run_migration import migration_facts
from ffwizard.i18n import _, format_count, format_decimal, ngettext

# [guess] Objects per second sf-api-migrate may reach, slow and fast end: a CPU extraction
# service with a few workers to a GPU one. No public source gives a figure; shown as a guess.
ASSUMED_RATES = (20.0, 1000.0)


@dataclass(frozen=True)
class MeasuredRate:
    """The copy rate an earlier run measured on this site."""

    rate: float   # objects per second
    objects: int
    seconds: float
    run_id: str


@dataclass(frozen=True)
class Reextract:
    """The objects to re-extract (or why they are unknown) and the rate to time them by."""

    counts: dict[str, int] | None  # objects per gallery of the old shards
    why: str | None                # why `counts` is None
    measured: MeasuredRate | None  # None: no earlier run here measured a copy

    @property
    def total(self) -> int | None:
        return None if self.counts is None else sum(self.counts.values())


def objects_to_reextract(http: Any, installation: Installation | None
                         ) -> tuple[dict[str, int] | None, str | None]:
    """(objects per gallery of the old shards, None) or (None, why they could not be read).
    `http`: anything with the runtime's `http_get`. A shard that does not answer makes the
    whole number unknown (never a 0 for it)."""
    urls = [f"http://{s.http_host}:{s.http_port}/" for s in (installation.shards
                                                             if installation else [])
            if s.http_port]
    if not urls:
        return None, _("no old shard has a known HTTP port")
    try:
        return gallery_counts(http, urls, timeout=5), None
    except CountError as err:
        return None, str(err)


def measured_rate(root: Path) -> MeasuredRate | None:
    """The rate of the newest copy a run at `root` finished (archived or current), if any."""
    runs = []
    archived = archive_dir(root)
    if archived.is_dir():
        runs = sorted((p for p in archived.iterdir() if (p / "run.json").exists()), reverse=True)
    current = current_run_dir(root)
    if (current / "run.json").exists():
        runs.insert(0, current)
    for path in runs:
        try:
            run = RunDir(path)
            facts = migration_facts(run.state().data)
            objects, seconds = facts.get("objects"), facts.get("seconds")
            if isinstance(objects, int) and objects > 0 and isinstance(seconds, (int, float)) \
                    and seconds > 0:
                return MeasuredRate(objects / seconds, objects, float(seconds),
                                    str(run.info().get("run_id", path.name)))
        except (OSError, ValueError, KeyError):
            continue  # a run directory ffwizard cannot read measures nothing
    return None


def reextract_text(counts: dict[str, int] | None, why: str | None) -> str:
    """One line: the total and the galleries, or why the number is unknown."""
    if counts is None:
        return _("unknown before the run: {why}").format(why=why)
    total = sum(counts.values())
    galleries = ", ".join(f"{name} {format_count(count)}" for name, count in sorted(counts.items())
                          if count)
    return ngettext("{total} object to re-extract ({galleries})",
                    "{total} objects to re-extract ({galleries})", total).format(
        total=format_count(total), galleries=galleries or "—")


def window_text(reextract: Reextract | None) -> str:
    """How long the window lasts, and what that rests on (a measured rate or a guess).
    `reextract` None: the shards were not asked."""
    total = reextract.total if reextract is not None else None
    measured = reextract.measured if reextract is not None else None
    if measured is not None:
        rate = ngettext("{rate} object/s", "{rate} objects/s", int(measured.rate)).format(
            rate=format_decimal(measured.rate))
        source = _("the rate the copy of run {run} reached on this site ({objects} objects in "
                   "{duration}); a new model may be faster or slower").format(
            run=measured.run_id, objects=format_count(measured.objects),
            duration=format_duration(measured.seconds))
        if total is not None:
            return ngettext("about {duration} for the copy, plus the restarts around it: "
                            "{total} object at {rate}, {source}",
                            "about {duration} for the copy, plus the restarts around it: "
                            "{total} objects at {rate}, {source}", total).format(
                duration=format_duration(total / measured.rate), total=format_count(total),
                rate=rate, source=source)
        return _("as long as the copy takes; at {rate}, {source}").format(rate=rate,
                                                                          source=source)
    slow, fast = ASSUMED_RATES
    if total is not None:
        return ngettext(
            "as long as the copy of {total} object takes, which is not known before it runs: "
            "no rate of the migration tool is published and no earlier run here measured one. "
            "A guess, not a measurement: {fast_duration} at {fast} objects/s, {slow_duration} "
            "at {slow} objects/s. Once the copy runs, its rate and time left are shown.",
            "as long as the copy of {total} objects takes, which is not known before it runs: "
            "no rate of the migration tool is published and no earlier run here measured one. "
            "A guess, not a measurement: {fast_duration} at {fast} objects/s, {slow_duration} "
            "at {slow} objects/s. Once the copy runs, its rate and time left are shown.",
            total).format(
            total=format_count(total), fast_duration=format_duration(total / fast),
            fast=format_count(int(fast)), slow_duration=format_duration(total / slow),
            slow=format_count(int(slow)))
    return _("as long as the copy takes: hours to days on a large site; its rate and time left "
             "are shown once it runs.")
