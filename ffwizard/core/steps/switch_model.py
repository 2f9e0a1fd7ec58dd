"""Step: set the new default models in the extraction-api config and restart the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ffwizard.core import configs
from ffwizard.core.errors import EditError, UserError
from ffwizard.core.events import EventKind
from ffwizard.core.installation import EXTRACTION_API_CONFIG
from ffwizard.core.models import DEFAULT_CACHE_DIR, configured_cache_dir
from ffwizard.core.mounts import host_path
from ffwizard.core.plan import FileChange, Plan, Step
from ffwizard.core.steps.base import Needs, PlanContext, StepContext, StepKind, StepParams
from ffwizard.core.video import intake_services
from ffwizard.core.yamlio import read_yaml_file
from ffwizard.i18n import N_, NP_, _, ngettext


@dataclass(frozen=True)
class SwitchModelParams(StepParams):
    service: str
    health_url: str
    # The extraction service's model cache (inside its container) and where the host sees it
    # ("" when it is not bind-mounted): listed before and after the switch, so that rollback
    # can name the cache files the new model made.
    cache_dir: str = DEFAULT_CACHE_DIR
    cache_host_dir: str = ""


class SwitchModel(StepKind[SwitchModelParams]):
    id = "switch_model"
    title = N_("Switch the extraction model")
    short_title = NP_("step list", "Switch the model")
    params_type = SwitchModelParams

    def plan(self, ctx: PlanContext) -> Step[SwitchModelParams]:
        inst, answers = ctx.installation, ctx.answers
        changes: list[FileChange] = []
        cache_dir = DEFAULT_CACHE_DIR
        try:
            path = ctx.root / EXTRACTION_API_CONFIG
            before, after = configs.switch_models(path, answers.models)
            changes.append(ctx.change(path, before, after))
            cache_dir = configured_cache_dir(read_yaml_file(path))
        except EditError as err:
            ctx.problems.append(err.problem)
        names = ", ".join(f"{t} → {answers.models[t]}" for t in answers.object_types)
        extraction = inst.extraction_api_service
        return self.make(
            explanation=" ".join([
                _("Set the default embedding model of each migrated object type ({names}) in "
                  "the extraction-api config and restart the extraction service.").format(
                      names=names),
                *([_("A GPU model's first start can take minutes while it builds its cache.")]
                  if inst.device == "gpu" else []),
                (_("Event intake is paused by then (step '{step}'), so no new event reaches "
                   "the old shards until sf-api is switched.").format(step=_("Pause event intake"))
                 if ctx.answers.pause_intake and intake_services(inst) else
                 _("Until sf-api is switched to the new shards, new events still go to the old "
                   "ones, extracted with the new model: the copy check counts them, and those "
                   "that arrive after the copy are not served after the switch."))]),
            commands=[[*ctx.compose_command, "restart", extraction]],
            changes=changes,
            undo=_("Restore the extraction-api config from its backup and restart the service."),
            params=SwitchModelParams(
                service=extraction, health_url=inst.extraction_api_url, cache_dir=cache_dir,
                cache_host_dir=str(host_path(inst, extraction, cache_dir) or "")))

    def needs(self, step: Step[SwitchModelParams], plan: Plan) -> Needs:
        return Needs(services=(step.params.service,), models_in=step.params.service)

    def run(self, step: Step[SwitchModelParams], ctx: StepContext) -> None:
        p = step.params
        ctx.write_changes(step)
        if not ctx.state.passed(step.id, "restarted"):
            if "cache_before" not in ctx.state.data.get(step.id, {}):
                # What the cache held before the new model's first start (recorded before the
                # restart, so that a run killed after it still knows).
                listed, why = _list_cache(step, ctx)
                ctx.data(step.id, cache_before=listed, cache_unlisted=why)
            ctx.runtime.restart(p.service)
            ctx.point(step.id, "restarted")
        ctx.wait_http(p.health_url, "extraction", any_answer=True)

    def undo(self, step: Step[SwitchModelParams], ctx: StepContext) -> None:
        changed = ctx.restore(step)
        if changed or ctx.state.passed(step.id, "restarted"):
            ctx.runtime.restart(step.params.service)
            ctx.wait_http(step.params.health_url, "extraction", any_answer=True)
        self._name_cache_left(step, ctx)

    def _name_cache_left(self, step: Step[SwitchModelParams], ctx: StepContext) -> None:
        """Name the files that appeared in the extraction service's model cache since the
        switch, and leave them: the cache belongs to the vendor's service, which rebuilds or
        reuses it by itself (a later run with the same model starts faster with it), and
        ffwizard deletes nothing it cannot undo. Recorded for the report."""
        recorded = ctx.state.data.get(step.id, {})
        if "cache_before" not in recorded:
            return  # the service was never restarted with the new model
        before = recorded["cache_before"]
        now, why = _list_cache(step, ctx)
        if before is None or now is None:
            left: dict[str, Any] = {"cache_left": None,
                                    "cache_unlisted": recorded.get("cache_unlisted") or why}
        else:
            left = {"cache_left": sorted(set(now) - set(before))}
        ctx.data(step.id, **left)
        for line in cache_left_sentences(step.params, {**recorded, **left}):
            ctx.emit(EventKind.OUTPUT, step.id, line)


def _list_cache(step: Step[SwitchModelParams], ctx: StepContext) -> tuple[list[str] | None, str]:
    """(the files in the model cache, ""), or (None, why) when they cannot be listed: a cache
    that cannot be listed never stops the run, rollback then says it could not tell."""
    try:
        return ctx.runtime.list_files(step.params.service, step.params.cache_dir), ""
    except (UserError, OSError) as err:
        return None, str(err)


def cache_left_sentences(params: SwitchModelParams, data: dict[str, Any]) -> list[str]:
    """What rollback left in the model cache and why, in whole sentences (empty: nothing)."""
    if "cache_left" not in data:
        return []
    where = params.cache_dir
    if params.cache_host_dir:
        where = _("{container_dir} (on the host: {host_dir})").format(
            container_dir=params.cache_dir, host_dir=params.cache_host_dir)
    left = data["cache_left"]
    if left is None:
        return [_("ffwizard could not tell whether the extraction service wrote cache files for "
                  "the new model into {where} ({why}); rollback leaves that directory as it is: "
                  "it is only the service's cache.").format(
                      where=where, why=data.get("cache_unlisted") or _("it could not be listed"))]
    if not left:
        return []
    shown = ", ".join(left[:5]) + (" …" if len(left) > 5 else "")
    return [ngettext(
        "Left in place: {count} file the extraction service wrote to its model cache {where} "
        "while it ran the new model: {files}. ffwizard does not delete it: the cache belongs to "
        "the extraction service, and a later run with the same model need not build it again. "
        "To free the space, delete it by hand.",
        "Left in place: {count} files the extraction service wrote to its model cache {where} "
        "while it ran the new model: {files}. ffwizard does not delete them: the cache belongs "
        "to the extraction service, and a later run with the same model need not build them "
        "again. To free the space, delete them by hand.",
        len(left)).format(count=len(left), where=where, files=shown)]
