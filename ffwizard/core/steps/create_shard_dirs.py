"""Step: create the new shards' data directories, owned and moded like the existing shards'."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ffwizard.core.backup import copy_tree_owner_mode, holds_data, move_aside
from ffwizard.core.events import EventKind
from ffwizard.core.plan import Plan, Step
from ffwizard.core.steps.base import Needs, PlanContext, StepContext, StepKind, StepParams
from ffwizard.i18n import N_, NP_, _, ngettext

SHARD_SUBDIRS = ("index", "snapshots", "xlogs")


@dataclass(frozen=True)
class CreateShardDirsParams(StepParams):
    dirs: tuple[str, ...]
    subdirs: tuple[str, ...] = SHARD_SUBDIRS
    like: str | None = None  # an existing shard directory whose owner and mode are copied


class CreateShardDirs(StepKind[CreateShardDirsParams]):
    id = "create_shard_dirs"
    title = N_("Create the new shards' data directories")
    short_title = NP_("step list", "Create shard directories")
    params_type = CreateShardDirsParams

    def plan(self, ctx: PlanContext) -> Step[CreateShardDirsParams]:
        old_shards = ctx.old_shards
        new_dirs = [s.data_dir for s in ctx.new_shards if s.data_dir]
        like = next((s.data_dir for s in old_shards if s.data_dir and "dir" in s.sources), None) \
            or next((s.data_dir for s in old_shards if s.data_dir), None)
        return self.make(
            explanation=ngettext(
                "Create {count} empty data directory with index/, snapshots/ and xlogs/, with "
                "the owner and mode of the existing shards. The new shards must start empty.",
                "Create {count} empty data directories, each with index/, snapshots/ and "
                "xlogs/, with the owner and mode of the existing shards. The new shards must "
                "start empty.", len(new_dirs)).format(count=len(new_dirs)),
            commands=[["mkdir", "-p", *[f"{d}/{sub}" for sub in SHARD_SUBDIRS]] for d in new_dirs],
            undo=_("Remove the directories ffwizard created, if they hold nothing but the three "
                   "empty subdirectories."),
            params=CreateShardDirsParams(dirs=tuple(new_dirs), subdirs=SHARD_SUBDIRS, like=like))

    def needs(self, step: Step[CreateShardDirsParams], plan: Plan) -> Needs:
        dirs = step.params.dirs
        return Needs(free_dirs=dirs,
                     room_for_old_shards=(Path(dirs[0]).parent if dirs else plan.root,))

    def run(self, step: Step[CreateShardDirsParams], ctx: StepContext) -> None:
        p = step.params
        like = Path(p.like) if p.like else None
        created = list(ctx.state.data.get(step.id, {}).get("created", []))
        for d in p.dirs:
            path = Path(d)
            if not path.exists():
                if d not in created:
                    created.append(d)
                    ctx.data(step.id, created=created)  # intent first: rollback knows it is ours
                path.mkdir(parents=True)
                if like is not None and like.is_dir():
                    copy_tree_owner_mode(like, path)
                ctx.point(step.id, "made_dir")
            for sub in p.subdirs:
                (path / sub).mkdir(exist_ok=True)
                model = like / sub if like is not None and (like / sub).is_dir() else like
                if model is not None and model.is_dir():
                    copy_tree_owner_mode(model, path / sub)

    def undo(self, step: Step[CreateShardDirsParams], ctx: StepContext) -> None:
        created = ctx.state.data.get(step.id, {}).get("created", [])
        for d in created:
            path = Path(d)
            if not path.exists():
                continue
            if holds_data(path):
                moved = move_aside(path, ctx.run_dir.aside / "new-shards")
                where = moved.relative_to(ctx.run_dir.path)
                ctx.emit(EventKind.OUTPUT, step.id,
                         _("{path}: it held data, so it was moved into the run directory "
                           "({where}), not deleted").format(path=path, where=where))
            else:
                for sub in step.params.subdirs:
                    if (path / sub).is_dir():
                        (path / sub).rmdir()
                path.rmdir()
                ctx.emit(EventKind.OUTPUT, step.id,
                         _("{path}: removed (ffwizard created it empty)").format(path=path))
