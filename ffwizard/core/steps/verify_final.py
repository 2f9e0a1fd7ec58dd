"""Step: check the new shards and sf-api, and that no object went missing since the copy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ffwizard.core.errors import StepFailed
from ffwizard.core.plan import Step
from ffwizard.core.progress import gallery_counts, parse_gallery_counts
from ffwizard.core.steps.base import PlanContext, StepContext, StepKind, StepParams
from ffwizard.core.steps.verify_copy import VerifyCopy
from ffwizard.core.verify import compare_counts, unhealthy_shards
from ffwizard.i18n import N_, NP_, _


@dataclass(frozen=True)
class VerifyFinalParams(StepParams):
    new_shard_urls: tuple[str, ...]
    sf_api_url: str
    old_counts_from: str = VerifyCopy.id  # the step whose recorded counts are compared


class VerifyFinal(StepKind[VerifyFinalParams]):
    id = "verify_final"
    title = N_("Check the result")
    short_title = NP_("step list", "Check the result")
    params_type = VerifyFinalParams

    def plan(self, ctx: PlanContext) -> Step[VerifyFinalParams]:
        return self.make(
            explanation=_("Check the new shards are healthy, sf-api answers, and the object "
                          "counts still match those found after the copy."),
            reversible=False,
            params=VerifyFinalParams(new_shard_urls=ctx.new_urls,
                                     sf_api_url=ctx.installation.sf_api_url,
                                     old_counts_from=VerifyCopy.id))

    def run(self, step: Step[VerifyFinalParams], ctx: StepContext) -> None:
        p = step.params
        sick = unhealthy_shards(ctx.runtime, list(p.new_shard_urls))
        sf = ctx.runtime.http_get(p.sf_api_url.rstrip("/") + "/v2/galleries", timeout=10)
        if sf.status != 200:
            sick.append(_("sf-api does not answer ({why})").format(
                why=sf.error or f"HTTP {sf.status}"))
        if sick:
            raise StepFailed(_("{problems}. Check the services, then 'ffwizard resume'.")
                             .format(problems="; ".join(sick)))
        copied = ctx.state.data.get(p.old_counts_from, {}).get("new_counts", {})
        now, served = served_agrees(ctx.runtime, p.sf_api_url, list(p.new_shard_urls), sf)
        if served is not None:
            wrong = compare_counts(now, served, compared="sf-api").mismatches
            raise StepFailed(_("sf-api does not serve what the new shards hold ({mismatches}). "
                               "Check its shard list, then 'ffwizard resume'.")
                             .format(mismatches="; ".join(wrong)))
        # New events may have arrived since the copy: counts may grow, never shrink.
        comparison = compare_counts(copied, now, at_least=True)
        ctx.data(step.id, final_counts=now, mismatches=comparison.mismatches)
        if not comparison.ok:
            raise StepFailed(_("objects went missing from the new shards since the copy was "
                               "checked: {mismatches}.")
                             .format(mismatches="; ".join(comparison.mismatches)))


def served_agrees(runtime: Any, sf_api_url: str, shard_urls: list[str], first: Any,
                  tries: int = 5) -> tuple[dict[str, int], dict[str, int] | None]:
    """(the new shards' counts, None) when sf-api serves what they hold, else (their counts,
    what sf-api served). `first`: an answer of sf-api's gallery list read already.

    On a live site events arrive between any two reads, so equal counts are a matter of
    timing. Counts only grow; so sf-api read before and after the shards brackets them when
    it serves those shards: before <= shards <= after in every gallery, however fast events
    arrive. Read again (a few tries) only when an object went away in between."""
    galleries = "/v2/galleries"
    before = _served(first)
    now = gallery_counts(runtime, shard_urls)
    for _attempt in range(tries):
        if before is None:  # an sf-api whose gallery list carries no counts: it suffices
            return now, None
        answer = runtime.http_get(sf_api_url.rstrip("/") + galleries, timeout=10)
        after = _served(answer) if answer.status == 200 else before
        if after is None:
            return now, None
        names = set(before) | set(now) | set(after)
        if all(before.get(g, 0) <= now.get(g, 0) <= after.get(g, 0) for g in names):
            return now, None
        before = after
        now = gallery_counts(runtime, shard_urls)
    return now, before


def _served(answer: Any) -> dict[str, int] | None:
    try:
        return parse_gallery_counts(answer.body)
    except ValueError:
        return None


def final_counts(data: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the final check recorded in the journal (`final_counts`, `mismatches`)."""
    return data.get(VerifyFinal.id, {})
