"""Step: count, just before the point of no return, what arrived in the old shards during the
copy and whether it reached the new shards (the window; see `ffwizard.core.window`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ffwizard.core.events import EventKind
from ffwizard.core.intake import paused_services
from ffwizard.core.journal import RunDir, current_run_dir
from ffwizard.core.plan import Step
from ffwizard.core.progress import gallery_counts
from ffwizard.core.steps.base import PlanContext, StepContext, StepKind, StepParams
from ffwizard.core.steps.run_migration import migration_facts
from ffwizard.core.window import (
    arrival_sentences,
    arrivals_by_gallery,
    counts_of,
    measure,
    window_sentence,
)
from ffwizard.i18n import N_, NP_, _


@dataclass(frozen=True)
class CountArrivalsParams(StepParams):
    old_shard_urls: tuple[str, ...]
    new_shard_urls: tuple[str, ...]


class CountArrivals(StepKind[CountArrivalsParams]):
    id = "count_arrivals"
    title = N_("Count what arrived during the copy")
    short_title = NP_("step list", "Count the arrivals")
    params_type = CountArrivalsParams

    def plan(self, ctx: PlanContext) -> Step[CountArrivalsParams]:
        return self.make(
            explanation=_("Count the objects of each gallery of the old shards once more, just "
                          "before the point of no return: what arrived after the copy started, "
                          "and how much of it is in the new shards. The question that follows "
                          "says it. Read-only."),
            params=CountArrivalsParams(old_shard_urls=ctx.old_urls, new_shard_urls=ctx.new_urls))

    def run(self, step: Step[CountArrivalsParams], ctx: StepContext) -> None:
        p = step.params
        paused = bool(paused_services(ctx.plan, ctx.state))
        marks = migration_facts(ctx.state.data).get("marks")
        if not marks:  # a run started before the copy's start was marked
            old = gallery_counts(ctx.runtime, list(p.old_shard_urls))
            ctx.data(step.id, old_counts=old, paused=paused, at=time.time())
            return
        windows = measure(ctx.runtime, list(p.old_shard_urls), list(p.new_shard_urls), marks)
        old, new = counts_of(windows)
        arrivals = arrivals_by_gallery(windows)
        ctx.data(step.id, old_counts=old, new_counts=new, arrivals=arrivals, paused=paused,
                 at=time.time())
        for line in arrival_sentences(arrivals):
            ctx.emit(EventKind.OUTPUT, step.id, line)
        ctx.emit(EventKind.MESSAGE, step.id, window_sentence(arrivals, paused=paused))


def arrival_facts(data: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the count recorded in the journal (`arrivals`, `old_counts`, `paused`, `at`)."""
    return data.get(CountArrivals.id, {})


def window_text(root: Path) -> str:
    """The window of the current run in one sentence (the question of the point of no return):
    empty when the run has not measured it."""
    run = current_run_dir(Path(root))
    if not (run / "journal.jsonl").exists():
        return ""
    counted = arrival_facts(RunDir(run).state().data)
    if "arrivals" not in counted:
        return ""
    return window_sentence(counted["arrivals"], paused=bool(counted.get("paused")))
