"""Step: compare, gallery by gallery, the objects in the new shards with the old ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ffwizard.core.errors import RerunNeeded, StepFailed
from ffwizard.core.events import EventKind
from ffwizard.core.intake import paused_services
from ffwizard.core.plan import Step, shard_url
from ffwizard.core.progress import gallery_counts
from ffwizard.core.steps.base import PlanContext, StepContext, StepKind, StepParams
from ffwizard.core.steps.run_migration import migration_facts
from ffwizard.core.verify import compare_counts, replica_mismatches, unhealthy_shards
from ffwizard.core.window import (
    arrival_sentences,
    arrivals_by_gallery,
    counts_of,
    measure,
    start_mismatches,
)
from ffwizard.i18n import N_, NP_, _


@dataclass(frozen=True)
class VerifyCopyParams(StepParams):
    old_shard_urls: tuple[str, ...]
    new_shard_urls: tuple[str, ...]
    # The new replicas and, at the same index, the new shard each replicates.
    replica_urls: tuple[str, ...] = ()
    replica_masters: tuple[str, ...] = ()


class VerifyCopy(StepKind[VerifyCopyParams]):
    id = "verify_copy"
    title = N_("Check the copy")
    short_title = NP_("step list", "Check the copy")
    params_type = VerifyCopyParams
    retry_reruns_migration = True

    def plan(self, ctx: PlanContext) -> Step[VerifyCopyParams]:
        return self.make(
            explanation=_("Compare, gallery by gallery, the number of objects in the new shards "
                          "with the old ones, and check the new shards are healthy. A mismatch "
                          "stops here. With event intake running, the objects present when the "
                          "copy started are compared (those up to the start mark) and what "
                          "arrived after it is counted separately."),
            params=VerifyCopyParams(
                old_shard_urls=ctx.old_urls, new_shard_urls=ctx.new_urls,
                replica_urls=ctx.new_replica_urls,
                replica_masters=tuple(shard_url(s) for s in ctx.new_shards if s.replica)))

    def run(self, step: Step[VerifyCopyParams], ctx: StepContext) -> None:
        p = step.params
        sick = unhealthy_shards(ctx.runtime, list(p.new_shard_urls + p.replica_urls))
        if sick:
            raise StepFailed(_("{problems}. Nothing was switched; check the shard, then "
                               "'ffwizard resume'.").format(problems="; ".join(sick)))
        marks = migration_facts(ctx.state.data).get("marks")
        if marks and not paused_services(ctx.plan, ctx.state):
            # Intake runs: what arrived after the copy's start is counted, not compared.
            self._check_window(step, ctx, marks)
            return
        old = gallery_counts(ctx.runtime, list(p.old_shard_urls))
        new = gallery_counts(ctx.runtime, list(p.new_shard_urls))
        comparison = compare_counts(old, new)
        comparison.mismatches += replica_mismatches(ctx.runtime, p.replica_masters,
                                                    p.replica_urls)
        ctx.data(step.id, old_counts=old, new_counts=new, mismatches=comparison.mismatches)
        if not comparison.ok:
            raise RerunNeeded(_("the new shards do not hold the same objects as the old ones: "
                               "{mismatches}. Nothing was switched. Re-run the migration with "
                               "'ffwizard resume --rerun-migration', or undo with 'ffwizard "
                               "rollback'.").format(mismatches="; ".join(comparison.mismatches)))

    def _check_window(self, step: Step[VerifyCopyParams], ctx: StepContext,
                      marks: dict[str, int]) -> None:
        p = step.params
        windows = measure(ctx.runtime, list(p.old_shard_urls), list(p.new_shard_urls), marks)
        old, new = counts_of(windows)
        mismatches = start_mismatches(windows)
        arrivals = arrivals_by_gallery(windows)
        ctx.data(step.id, old_counts=old, new_counts=new, mismatches=mismatches,
                 arrivals=arrivals, window={w.gallery: w.to_json() for w in windows})
        if mismatches:
            raise StepFailed(_("the new shards do not hold every object the old ones held when "
                               "the copy started: {mismatches}. Nothing was switched. Re-run the "
                               "migration with 'ffwizard resume --rerun-migration', or undo with "
                               "'ffwizard rollback'.").format(mismatches="; ".join(mismatches)))
        ctx.emit(EventKind.MESSAGE, step.id,
                 _("every object present when the copy started is in the new shards (per "
                   "gallery, the objects up to the start mark counted on both sides)"))
        for line in arrival_sentences(arrivals):
            ctx.emit(EventKind.OUTPUT, step.id, line)


def copy_counts(data: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the copy check recorded in the journal (`old_counts`, `new_counts`, `mismatches`)."""
    return data.get(VerifyCopy.id, {})
