"""Step: add the new shard services to the compose file and start them."""

from __future__ import annotations

from dataclasses import dataclass

from ffwizard.core.plan import Step
from ffwizard.core.steps.base import PlanContext, StepContext, StepKind, StepParams
from ffwizard.i18n import N_, NP_, _, ngettext


@dataclass(frozen=True)
class AddNewShardsParams(StepParams):
    services: tuple[str, ...]
    health_urls: tuple[str, ...] = ()


class AddNewShards(StepKind[AddNewShardsParams]):
    id = "add_new_shards"
    title = N_("Add the new shard services")
    short_title = NP_("step list", "Add the new shards")
    params_type = AddNewShardsParams

    def plan(self, ctx: PlanContext) -> Step[AddNewShardsParams]:
        edits = ctx.compose_changes
        count = len(ctx.new_shards)
        return self.make(
            explanation=ngettext(
                "Add {count} shard service to the compose file, copied from an existing one "
                "with a new name, ports and data directory, and start it. Old shards keep "
                "running untouched.",
                "Add {count} shard services to the compose file, copied from an existing one "
                "with new names, ports and data directories, and start them. Old shards keep "
                "running untouched.", count).format(count=count),
            commands=[[*ctx.compose_command, "up", "-d"]],
            changes=[edits[0]] if edits else [],
            undo=_("Restore the compose file from its backup and remove the new shard services."),
            params=AddNewShardsParams(services=tuple(s.service for s in ctx.new_shards if s.service),
                                      health_urls=tuple(f"{u}v2/status" for u in ctx.new_urls)))

    def run(self, step: Step[AddNewShardsParams], ctx: StepContext) -> None:
        ctx.write_changes(step)
        ctx.compose_up(step)
        ctx.point(step.id, "composed_up")
        for url in step.params.health_urls:
            ctx.wait_http(url, "shard")

    def undo(self, step: Step[AddNewShardsParams], ctx: StepContext) -> None:
        ctx.runtime.remove_services(list(step.params.services))
        ctx.restore(step)
