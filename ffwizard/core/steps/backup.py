"""Step: dump every gallery with the vendor's storage-api-dump tool and copy the dump to the host."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ffwizard.core.plan import Plan, Step
from ffwizard.core.steps.base import Needs, PlanContext, StepContext, StepKind, StepParams
from ffwizard.i18n import N_, NP_, _

BACKUP_CONTAINER_DIR = "/ffmulti_dump"
DUMP_ARGV = ("/storage-api-dump", "-config", "/etc/findface-sf-api.ini")


@dataclass(frozen=True)
class BackupParams(StepParams):
    service: str
    container_dir: str
    dump_argv: tuple[str, ...]
    host_dir: str


class Backup(StepKind[BackupParams]):
    id = "backup"
    title = N_("Back up the feature-vector database")
    short_title = NP_("step list", "Back up the database")
    params_type = BackupParams
    stop_meaning = N_("The backup in progress is finished first; continuing later starts it "
                      "again.")

    def plan(self, ctx: PlanContext) -> Step[BackupParams]:
        host_dir = Path(ctx.answers.backup_dir)
        sf_container = ctx.sf_container
        return self.make(
            explanation=_("Dump every gallery of every shard with the vendor's storage-api-dump "
                          "tool inside the sf-api container, then copy the dump to the host. It "
                          "is the way back should anything go wrong; it is never deleted by "
                          "ffwizard."),
            commands=[
                ["docker", "exec", sf_container, "mkdir", "-p", BACKUP_CONTAINER_DIR],
                ["docker", "exec", "-w", BACKUP_CONTAINER_DIR, sf_container, *DUMP_ARGV],
                ["docker", "cp", f"{sf_container}:{BACKUP_CONTAINER_DIR}/.", str(host_dir)],
            ],
            params=BackupParams(service=ctx.sf_api, container_dir=BACKUP_CONTAINER_DIR,
                                dump_argv=DUMP_ARGV, host_dir=str(host_dir)))

    def needs(self, step: Step[BackupParams], plan: Plan) -> Needs:
        return Needs(services=(step.params.service,),
                     room_for_old_shards=(Path(step.params.host_dir),))

    def run(self, step: Step[BackupParams], ctx: StepContext) -> None:
        p = step.params
        data = ctx.state.data.get(step.id, {})
        if data.get("dump_dir") and Path(data["dump_dir"]).is_dir():
            return
        target = Path(data["target"]) if data.get("target") else None
        if target is None:
            wanted = Path(p.host_dir)
            target = wanted
            if wanted.exists() and any(wanted.iterdir()):
                # Never mix with (or overwrite) an earlier dump: this run's goes next to it.
                target = wanted.with_name(f"{wanted.name}.{ctx.run_dir.info()['run_id']}")
            ctx.data(step.id, target=str(target))
        staging = target.parent / f".{target.name}.partial"
        if target.is_dir() and any(target.iterdir()):
            # Moved into place before a kill: only the empty staging directory may be left.
            if staging.is_dir() and not any(staging.iterdir()):
                staging.rmdir()
            ctx.data(step.id, dump_dir=str(target))
            return
        ctx.exec(step, p.service, ["mkdir", "-p", p.container_dir])
        ctx.exec(step, p.service, list(p.dump_argv), workdir=p.container_dir)
        ctx.point(step.id, "dumped")
        if staging.exists():
            shutil.rmtree(staging)  # ffwizard's own incomplete copy from a cut-short attempt
        staging.mkdir(parents=True)
        copied = ctx.runtime.copy_out(p.service, p.container_dir, staging)
        ctx.point(step.id, "copied")
        if target.exists():
            target.rmdir()  # empty (checked above)
        os.rename(copied, target)
        ctx.point(step.id, "moved")
        shutil.rmtree(staging)
        ctx.data(step.id, dump_dir=str(target))


def dump_dir(data: dict[str, dict[str, object]]) -> str | None:
    """Where the run's dump is, from the journal's step data (`RunState.data`)."""
    value = data.get(Backup.id, {}).get("dump_dir")
    return str(value) if value else None
