"""Step: write migration.yaml (root only) and copy it into the sf-api container."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ffwizard.core.plan import Step
from ffwizard.core.steps.base import PlanContext, StepContext, StepKind, StepParams
from ffwizard.i18n import N_, NP_, _


@dataclass(frozen=True)
class WriteMigrationConfigParams(StepParams):
    service: str
    host_path: str
    container_dir: str = "/"


class WriteMigrationConfig(StepKind[WriteMigrationConfigParams]):
    id = "write_migration_config"
    title = N_("Write the migration settings")
    short_title = NP_("step list", "Write migration settings")
    params_type = WriteMigrationConfigParams

    def plan(self, ctx: PlanContext) -> Step[WriteMigrationConfigParams]:
        from ffwizard.core import configs

        path = ctx.run_dir / "migration.yaml"
        text = configs.migration_yaml(ctx.installation, ctx.answers, ctx.old_shards,
                                      ctx.new_shards)
        return self.make(
            explanation=_("Write migration.yaml (old shards, new shards, extraction service, "
                          "normalized storage, workers) readable by root only, and copy it into "
                          "the sf-api container for the migration tool."),
            commands=[["docker", "cp", str(path), f"{ctx.sf_container}:/"]],
            changes=[ctx.change(path, None, text, mode=0o600, secret=True)],
            undo=_("Nothing to undo: the file only describes the migration."),
            params=WriteMigrationConfigParams(service=ctx.sf_api, host_path=str(path),
                                              container_dir="/"))

    def run(self, step: Step[WriteMigrationConfigParams], ctx: StepContext) -> None:
        p = step.params
        ctx.write_changes(step)
        ctx.runtime.copy_in(p.service, Path(p.host_path), p.container_dir)
        ctx.point(step.id, "copied_in")

    def undo(self, step: Step[WriteMigrationConfigParams], ctx: StepContext) -> None:
        ctx.restore(step)
