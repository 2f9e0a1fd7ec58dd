"""Step: remove the old shard services from the compose file and stop them (data stays)."""

from __future__ import annotations

from dataclasses import dataclass

from ffwizard.core.plan import Plan, Step
from ffwizard.core.steps.base import Needs, PlanContext, StepContext, StepKind, StepParams
from ffwizard.i18n import N_, NP_, _


@dataclass(frozen=True)
class RemoveOldShardsParams(StepParams):
    services: tuple[str, ...]


class RemoveOldShards(StepKind[RemoveOldShardsParams]):
    id = "remove_old_shards"
    title = N_("Stop the old shard services")
    short_title = NP_("step list", "Stop the old shards")
    params_type = RemoveOldShardsParams
    # The live sf-api has no shards from here until it is switched: asked together.
    confirmed_with_next = True

    def plan(self, ctx: PlanContext) -> Step[RemoveOldShardsParams]:
        edits = ctx.compose_changes
        return self.make(
            explanation=_("Remove the old shard services from the compose file and stop their "
                          "containers. Their data directories stay on disk: they are the way "
                          "back."),
            commands=[[*ctx.compose_command, "up", "-d", "--remove-orphans"]],
            changes=[edits[1]] if edits else [],
            undo=_("Restore the compose file from its backup and start the old shards again."),
            params=RemoveOldShardsParams(
                services=tuple(s.service for s in ctx.old_shards if s.service)))

    def needs(self, step: Step[RemoveOldShardsParams], plan: Plan) -> Needs:
        # Its file's `before` is what add_new_shards writes, not what is there today.
        return Needs(services=step.params.services, files_as_planned=False)

    def run(self, step: Step[RemoveOldShardsParams], ctx: StepContext) -> None:
        ctx.write_changes(step)
        ctx.compose_up(step, remove_orphans=True)
        ctx.point(step.id, "composed_up")

    def undo(self, step: Step[RemoveOldShardsParams], ctx: StepContext) -> None:
        ctx.restore(step)
        ctx.compose_up(step)  # the old shards come back; their data was never touched
