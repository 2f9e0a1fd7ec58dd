"""Step: set the new default models in the extraction-api config and restart the service."""

from __future__ import annotations

from dataclasses import dataclass

from ffwizard.core.plan import FileChange, Plan, Step
from ffwizard.core.steps.base import Needs, PlanContext, StepContext, StepKind, StepParams
from ffwizard.i18n import N_, NP_, _


@dataclass(frozen=True)
class SwitchModelParams(StepParams):
    service: str
    health_url: str


class SwitchModel(StepKind[SwitchModelParams]):
    id = "switch_model"
    title = N_("Switch the extraction model")
    short_title = NP_("step list", "Switch the model")
    params_type = SwitchModelParams

    def plan(self, ctx: PlanContext) -> Step[SwitchModelParams]:
        from ffwizard.core import configs

        inst, answers = ctx.installation, ctx.answers
        changes: list[FileChange] = []
        try:
            path = ctx.root / configs.EXTRACTION_API_CONFIG
            before, after = configs.switch_models(path, answers.models)
            changes.append(ctx.change(path, before, after))
        except configs.EditError as err:
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
                _("Until sf-api is switched to the new shards, new events still go to the old "
                  "ones: pause video processing if you can.")]),
            commands=[[*ctx.compose_command, "restart", extraction]],
            changes=changes,
            undo=_("Restore the extraction-api config from its backup and restart the service."),
            params=SwitchModelParams(service=extraction, health_url=inst.extraction_api_url))

    def needs(self, step: Step[SwitchModelParams], plan: Plan) -> Needs:
        return Needs(services=(step.params.service,), models_in=step.params.service)

    def run(self, step: Step[SwitchModelParams], ctx: StepContext) -> None:
        p = step.params
        ctx.write_changes(step)
        if not ctx.state.passed(step.id, "restarted"):
            ctx.runtime.restart(p.service)
            ctx.point(step.id, "restarted")
        ctx.wait_http(p.health_url, "extraction", any_answer=True)

    def undo(self, step: Step[SwitchModelParams], ctx: StepContext) -> None:
        changed = ctx.restore(step)
        if changed or ctx.state.passed(step.id, "restarted"):
            ctx.runtime.restart(step.params.service)
            ctx.wait_http(step.params.health_url, "extraction", any_answer=True)
