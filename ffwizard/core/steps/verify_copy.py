"""Step: compare, gallery by gallery, the objects in the new shards with the old ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ffwizard.core.errors import StepFailed
from ffwizard.core.plan import Step
from ffwizard.core.progress import gallery_counts
from ffwizard.core.steps.base import PlanContext, StepContext, StepKind, StepParams
from ffwizard.core.verify import compare_counts, unhealthy_shards
from ffwizard.i18n import N_, NP_, _


@dataclass(frozen=True)
class VerifyCopyParams(StepParams):
    old_shard_urls: tuple[str, ...]
    new_shard_urls: tuple[str, ...]


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
                          "stops here."),
            params=VerifyCopyParams(old_shard_urls=ctx.old_urls, new_shard_urls=ctx.new_urls))

    def run(self, step: Step[VerifyCopyParams], ctx: StepContext) -> None:
        p = step.params
        sick = unhealthy_shards(ctx.runtime, list(p.new_shard_urls))
        if sick:
            raise StepFailed(_("{problems}. Nothing was switched; check the shard, then "
                               "'ffwizard resume'.").format(problems="; ".join(sick)))
        old = gallery_counts(ctx.runtime, list(p.old_shard_urls))
        new = gallery_counts(ctx.runtime, list(p.new_shard_urls))
        comparison = compare_counts(old, new)
        ctx.data(step.id, old_counts=old, new_counts=new, mismatches=comparison.mismatches)
        if not comparison.ok:
            raise StepFailed(_("the new shards do not hold the same objects as the old ones: "
                               "{mismatches}. Nothing was switched. Re-run the migration with "
                               "'ffwizard resume --rerun-migration', or undo with 'ffwizard "
                               "rollback'.").format(mismatches="; ".join(comparison.mismatches)))


def copy_counts(data: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the copy check recorded in the journal (`old_counts`, `new_counts`, `mismatches`)."""
    return data.get(VerifyCopy.id, {})
