"""Step: pause event intake — stop the video pipeline before the model switch.

From the model switch until sf-api serves the new shards, every new event lands in the old
shards, extracted with the new model; pausing the services that produce events keeps the old
shards still for the copy. Undone (started again) by rollback; `resume_intake` starts them
after the sf-api switch.
"""

from __future__ import annotations

from dataclasses import dataclass

from ffwizard.core.events import EventKind
from ffwizard.core.plan import Plan, Step
from ffwizard.core.steps.base import Needs, PlanContext, StepContext, StepKind, StepParams
from ffwizard.core.video import intake_services
from ffwizard.i18n import N_, NP_, _


@dataclass(frozen=True)
class PauseIntakeParams(StepParams):
    services: tuple[str, ...]


class PauseIntake(StepKind[PauseIntakeParams]):
    id = "pause_event_intake"
    pauses_intake = True  # how core.intake finds it in a plan
    title = N_("Pause event intake")
    short_title = NP_("step list", "Pause event intake")
    params_type = PauseIntakeParams

    def plan(self, ctx: PlanContext) -> Step[PauseIntakeParams] | None:
        services = intake_services(ctx.installation)
        if not ctx.answers.pause_intake or not services:
            return None
        names = ", ".join(services)
        return self.make(
            explanation=" ".join([
                _("Stop the services that produce events ({services}) before the model "
                  "switch, so that no new event lands in the old shards while they are copied. "
                  "They stay stopped for the whole copy — as long as the re-extraction of "
                  "every object, hours to days on a large site (the Run screen shows the time "
                  "left once the copy runs) — and start again right after sf-api is switched "
                  "to the new shards, or on rollback.").format(services=names),
                _("Cameras are not processed meanwhile: events of that time are not "
                  "recorded."),
                _("While intake is paused, each 'compose up' of the run names the services it "
                  "starts and leaves these stopped.")]),
            commands=[[*ctx.compose_command, "stop", *services]],
            undo=_("Start {services} again.").format(services=names),
            params=PauseIntakeParams(services=services))

    def needs(self, step: Step[PauseIntakeParams], plan: Plan) -> Needs:
        return Needs(services=step.params.services)

    def run(self, step: Step[PauseIntakeParams], ctx: StepContext) -> None:
        services = list(step.params.services)
        ctx.emit(EventKind.OUTPUT, step.id, "$ compose stop " + " ".join(services))
        ctx.runtime.stop_services(services)
        ctx.point(step.id, "stopped")
        ctx.emit(EventKind.MESSAGE, step.id,
                 _("event intake paused: {services} stopped").format(services=", ".join(services)))

    def undo(self, step: Step[PauseIntakeParams], ctx: StepContext) -> None:
        start_again(step.params.services, step.id, ctx)


def start_again(services: tuple[str, ...], step_id: str, ctx: StepContext) -> None:
    """Start the paused services (managers first, the reverse of the stop order)."""
    ordered = list(reversed(services))
    ctx.emit(EventKind.OUTPUT, step_id, "$ compose start " + " ".join(ordered))
    ctx.runtime.start_services(ordered)
    ctx.emit(EventKind.MESSAGE, step_id,
             _("event intake running again: {services} started").format(
                 services=", ".join(ordered)))
