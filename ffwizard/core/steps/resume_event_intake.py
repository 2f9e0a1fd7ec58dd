"""Step: resume event intake — start the video pipeline again once sf-api serves the new shards."""

from __future__ import annotations

from dataclasses import dataclass

from ffwizard.core.plan import Step
from ffwizard.core.steps.base import PlanContext, StepContext, StepKind, StepParams
from ffwizard.core.steps.pause_event_intake import PauseIntake, start_again
from ffwizard.i18n import N_, NP_, _


@dataclass(frozen=True)
class ResumeIntakeParams(StepParams):
    services: tuple[str, ...]


class ResumeIntake(StepKind[ResumeIntakeParams]):
    id = "resume_event_intake"
    resumes_intake = True  # how core.intake finds it in a plan
    title = N_("Resume event intake")
    short_title = NP_("step list", "Resume event intake")
    params_type = ResumeIntakeParams

    def plan(self, ctx: PlanContext) -> Step[ResumeIntakeParams] | None:
        paused = PauseIntake().plan(ctx)
        if paused is None:
            return None
        services = tuple(reversed(paused.params.services))
        return self.make(
            explanation=_("Start the services that produce events ({services}) again: sf-api "
                          "now writes new events to the new shards, with the new model.").format(
                              services=", ".join(services)),
            commands=[[*ctx.compose_command, "start", *services]],
            reversible=False,
            params=ResumeIntakeParams(services=paused.params.services))

    def run(self, step: Step[ResumeIntakeParams], ctx: StepContext) -> None:
        start_again(step.params.services, step.id, ctx)
        ctx.point(step.id, "resumed")
