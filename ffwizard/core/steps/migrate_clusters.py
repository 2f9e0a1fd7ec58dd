"""Step (when asked): regenerate the cluster events' vectors and re-run clustering."""

from __future__ import annotations

from dataclasses import dataclass

from ffwizard.core.plan import Plan, Step
from ffwizard.core.steps.base import Needs, PlanContext, StepContext, StepKind, StepParams
from ffwizard.i18n import N_, NP_, _

CLUSTERS_ARGV = ("/opt/findface-security/bin/python3", "/tigre_prototype/manage.py",
                 "migrate_clusters")
CLUSTERS_FLAGS = ("--use-best-event", "--use-thumbnail", "--force-clustering")


@dataclass(frozen=True)
class MigrateClustersParams(StepParams):
    service: str
    argv: tuple[str, ...]


class MigrateClusters(StepKind[MigrateClustersParams]):
    id = "migrate_clusters"
    title = N_("Migrate the clusters")
    short_title = NP_("step list", "Migrate the clusters")
    params_type = MigrateClustersParams

    def plan(self, ctx: PlanContext) -> Step[MigrateClustersParams] | None:
        if not ctx.answers.migrate_clusters:
            return None
        legacy = ctx.installation.legacy_service
        argv = (*CLUSTERS_ARGV, *[f"--{t}" for t in ctx.answers.object_types], *CLUSTERS_FLAGS)
        return self.make(
            explanation=_("Regenerate the vectors of cluster events with the new model and "
                          "re-run clustering, with the application's migrate_clusters command."),
            commands=[["docker", "exec", ctx.installation.container_name(legacy), *argv]],
            reversible=False,
            params=MigrateClustersParams(service=legacy, argv=argv))

    def needs(self, step: Step[MigrateClustersParams], plan: Plan) -> Needs:
        return Needs(services=(step.params.service,))

    def run(self, step: Step[MigrateClustersParams], ctx: StepContext) -> None:
        ctx.exec(step, step.params.service, list(step.params.argv))
