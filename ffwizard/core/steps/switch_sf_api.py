"""Step: point sf-api at the new shards and restart it: the point of no return."""

from __future__ import annotations

from dataclasses import dataclass

from ffwizard.core import configs
from ffwizard.core.errors import EditError, UserError
from ffwizard.core.events import StepStatus
from ffwizard.core.installation import SF_API_CONFIG
from ffwizard.core.plan import FileChange, Step
from ffwizard.core.steps.base import PlanContext, StepContext, StepKind, StepParams
from ffwizard.i18n import N_, NP_, _


@dataclass(frozen=True)
class SwitchSfApiParams(StepParams):
    service: str
    health_url: str


class SwitchSfApi(StepKind[SwitchSfApiParams]):
    id = "switch_sf_api"
    title = N_("Point sf-api at the new shards")
    short_title = NP_("step list", "sf-api to the new shards")
    params_type = SwitchSfApiParams
    heals = True

    def plan(self, ctx: PlanContext) -> Step[SwitchSfApiParams]:
        changes: list[FileChange] = []
        try:
            path = ctx.root / SF_API_CONFIG
            before, after = configs.switch_sf_api_shards(path, ctx.new_shards)
            # sf-api's config holds the s3 keys: its diff's context lines could show them.
            changes.append(ctx.change(path, before, after, secret=True))
        except EditError as err:
            ctx.problems.append(err.problem)
        return self.make(
            explanation=_("Replace the shard list in the sf-api config with the new shards and "
                          "restart sf-api. From here on the system serves the new vectors: new "
                          "events go to the new shards, so there is no automatic way back."),
            commands=[[*ctx.compose_command, "restart", ctx.sf_api]],
            changes=changes, reversible=False, point_of_no_return=True,
            params=SwitchSfApiParams(
                service=ctx.sf_api,
                health_url=ctx.installation.sf_api_url.rstrip("/") + "/v2/galleries"))

    def run(self, step: Step[SwitchSfApiParams], ctx: StepContext) -> None:
        p = step.params
        ctx.write_changes(step)
        if not ctx.state.passed(step.id, "restarted"):
            ctx.runtime.restart(p.service)
            ctx.point(step.id, "restarted")
        ctx.wait_http(p.health_url, "sf-api")

    def heal(self, step: Step[SwitchSfApiParams], ctx: StepContext) -> None:
        # sf-api back on the old shards' list (restarted if it had read the new one).
        p = step.params
        changed = ctx.write_befores(step)
        if changed or ctx.state.passed(step.id, "restarted"):
            ctx.runtime.restart(p.service)
        ctx.wait_http(p.health_url, "sf-api")

    def past_no_return(self, step: Step[SwitchSfApiParams], ctx: StepContext) -> str:
        # What rollback can truly say depends on how far the switch got: sf-api restarted on
        # the new shards, or its config written while it still runs on the old list (whose
        # shards are stopped), or stopped by a restart that was cut short.
        title = _(self.title)
        try:
            state = ctx.runtime.services().get(step.params.service)
            running: bool | None = state is not None and state.state == "running"
        except UserError:
            running = None
        switched = (ctx.state.step_status(step.id) == StepStatus.DONE
                    or ctx.state.passed(step.id, "restarted"))
        if running is False and switched:
            return _("the run is past the point of no return ('{step}'): the sf-api config "
                     "names the new shards, the old shards are stopped, and sf-api is not "
                     "running, so ffwizard cannot undo it. Start sf-api again (its logs say why "
                     "it stopped), then finish with 'ffwizard resume'. The old shard data "
                     "directories are still on disk.").format(step=title)
        if running is False:
            return _("the run is past the point of no return ('{step}'): the sf-api config "
                     "names the new shards, the old shards are stopped, and sf-api is not "
                     "running (the run ended while it was restarting it), so ffwizard cannot "
                     "undo it. Finish with 'ffwizard resume': it starts sf-api on the new shards. "
                     "The old shard data directories are still on disk.").format(step=title)
        if switched and running:
            return _("the run is past the point of no return ('{step}'): sf-api already serves "
                     "the new shards, so ffwizard cannot undo it. Finish with 'ffwizard "
                     "resume'. The old shard data directories are still on disk.").format(
                         step=title)
        if running:
            return _("the run is past the point of no return ('{step}'): the sf-api config "
                     "names the new shards and the old shards are stopped, but sf-api has not "
                     "been restarted onto the new ones yet, so ffwizard cannot undo it. Finish "
                     "with 'ffwizard resume': it restarts sf-api on the new shards. The old "
                     "shard data directories are still on disk.").format(step=title)
        return _("the run is past the point of no return ('{step}'): the sf-api config names "
                 "the new shards (whether sf-api runs could not be seen), so ffwizard cannot "
                 "undo it. Finish with 'ffwizard resume'. The old shard data directories are "
                 "still on disk.").format(step=title)
