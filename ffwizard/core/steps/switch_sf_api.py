"""Step: point sf-api at the new shards and restart it: the point of no return."""

from __future__ import annotations

from dataclasses import dataclass

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

    def plan(self, ctx: PlanContext) -> Step[SwitchSfApiParams]:
        from ffwizard.core import configs

        changes: list[FileChange] = []
        try:
            path = ctx.root / configs.SF_API_CONFIG
            before, after = configs.switch_sf_api_shards(path, ctx.new_shards)
            # sf-api's config holds the s3 keys: its diff's context lines could show them.
            changes.append(ctx.change(path, before, after, secret=True))
        except configs.EditError as err:
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
