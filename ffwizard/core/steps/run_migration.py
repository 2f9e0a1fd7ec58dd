"""Step: run the vendor's sf-api-migrate tool, detached, and follow it to its end.

Also the re-run: after a failed migration or copy check, the new shards are emptied (their data
moved aside into the run directory, never deleted) and the migration starts again."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ffwizard.core import detached, window
from ffwizard.core.backup import copy_tree_owner_mode, holds_data, move_aside
from ffwizard.core.errors import CountError, RerunNeeded
from ffwizard.core.events import EventKind, JournalEvent, StepStatus
from ffwizard.core.journal import RunState, tail
from ffwizard.core.plan import Plan, Step
from ffwizard.core.progress import (
    ProgressMeter,
    ProgressSample,
    format_duration,
    gallery_counts,
    gallery_counts_of,
)
from ffwizard.core.stall import with_stall
from ffwizard.core.steps.add_new_shards import AddNewShards
from ffwizard.core.steps.base import Needs, PlanContext, StepContext, StepKind, StepParams
from ffwizard.core.steps.create_shard_dirs import CreateShardDirs
from ffwizard.core.toolprobe import ToolProbe
from ffwizard.core.verify import compare_counts
from ffwizard.core.wakeup import ExitWatch
from ffwizard.i18n import N_, NP_, _, format_count, format_decimal

MIGRATE_ARGV = ("./sf-api-migrate", "-config", "/migration.yaml")


def migration_exit_words(code: int) -> str:
    """How the migration tool ended, in a sentence (128+N: killed by signal N, as a shell
    reports it)."""
    if code == 137:
        return _("the migration tool was killed (exit status 137: SIGKILL, often the kernel out "
                 "of memory)")
    if code == 143:
        return _("the migration tool was terminated (exit status 143: SIGTERM, someone or "
                 "something stopped it)")
    if code > 128:
        return _("the migration tool was killed by signal {signal} (exit status {code})").format(
            signal=code - 128, code=code)
    return _("the migration tool failed (exit status {code})").format(code=code)


@dataclass(frozen=True)
class RunMigrationParams(StepParams):
    service: str
    argv: tuple[str, ...]
    workdir: str | None
    old_shard_urls: tuple[str, ...]
    new_shard_urls: tuple[str, ...]
    object_types: tuple[str, ...] = ()


class RunMigration(StepKind[RunMigrationParams]):
    id = "run_migration"
    title = N_("Re-extract every object into the new shards")
    short_title = NP_("step list", "Re-extract all objects")
    params_type = RunMigrationParams
    stop_meaning = N_("The migration tool runs on its own, detached: stopping ffwizard here "
                      "leaves it running (open ffwizard again to follow it). You may also stop "
                      "the tool; the new shards then hold a partial copy, and continuing starts "
                      "the copy again into emptied shards.")
    stops_a_tool = True
    retry_reruns_migration = True

    def plan(self, ctx: PlanContext) -> Step[RunMigrationParams]:
        return self.make(
            explanation=_("Run the vendor's sf-api-migrate tool in the sf-api container: it "
                          "reads each object's normalized image, extracts a new vector with the "
                          "new model and writes it to the new shards. It can run for hours; it "
                          "runs detached, so a dropped SSH session does not stop it."),
            commands=[["docker", "exec", "-w", "/", ctx.sf_container, *MIGRATE_ARGV]],
            undo=_("The new shards are removed with their services; the old data is untouched."),
            params=RunMigrationParams(service=ctx.sf_api, argv=MIGRATE_ARGV, workdir="/",
                                      old_shard_urls=ctx.old_urls, new_shard_urls=ctx.new_urls,
                                      object_types=tuple(ctx.answers.object_types)))

    def needs(self, step: Step[RunMigrationParams], plan: Plan) -> Needs:
        p = step.params
        flags = tuple(a for a in p.argv[1:] if a.startswith("-"))
        return Needs(healthy_shards=p.old_shard_urls, tools=(ToolProbe(
            "sf-api-migrate", p.service, (p.argv[0], "-help"), flags, workdir=p.workdir,
            template_flag="-config-template"),))

    # --- running ----------------------------------------------------------------------------
    def run(self, step: Step[RunMigrationParams], ctx: StepContext) -> None:
        p = step.params
        exit_file = ctx.run_dir.migration_exit
        proc = detached.read_state(exit_file)
        if proc is None and detached.read_exit(exit_file) is None:
            if detached.find_wrapper(exit_file) is not None:
                # Launched, pid not yet recorded: give the wrapper a moment.
                time.sleep(1.0)
                proc = detached.read_state(exit_file)
        if proc is None and detached.read_exit(exit_file) is None:
            new_counts, old_counts = gallery_counts_of(
                ctx.runtime, [list(p.new_shard_urls), list(p.old_shard_urls)])
            if sum(new_counts.values()):
                raise RerunNeeded(
                    _("the new shards already hold objects, and a migration must start into "
                      "empty shards. Run 'ffwizard resume --rerun-migration' to move their data "
                      "aside and start again."))
            # The copy's start, per gallery: what arrives later lies above these marks.
            marks = window.marks(ctx.runtime, list(p.old_shard_urls), sorted(old_counts),
                                 old_counts)
            ctx.data(step.id, old_counts=old_counts, marks=marks)
            argv = ctx.runtime.detached_host_argv(p.service, list(p.argv), workdir=p.workdir)
            ctx.data(step.id, launching=True, started_at=time.time())
            proc = detached.launch(argv, log_file=ctx.run_dir.log, exit_file=exit_file)
            ctx.data(step.id, pid=proc.pid)
            ctx.emit(EventKind.MESSAGE, step.id,
                     _("the migration runs detached (pid {pid}); its output goes to {log}")
                     .format(pid=proc.pid, log=ctx.run_dir.log))
            ctx.point(step.id, "launched")
        self._follow(step, ctx)

    def _follow(self, step: Step[RunMigrationParams], ctx: StepContext) -> None:
        p = step.params
        exit_file = ctx.run_dir.migration_exit
        data = ctx.state.data.get(step.id, {})
        total = sum((data.get("old_counts") or {}).values())
        meter = ProgressMeter(total)
        last: ProgressSample | None = None
        watch: ExitWatch | None = None  # wakes the wait between samples when the tool ends
        while True:
            code = detached.read_exit(exit_file)
            proc = detached.read_state(exit_file)
            if watch is None and proc is not None:
                watch = ExitWatch(exit_file)
            running = code is None and proc is not None and detached.group_alive(proc)
            try:
                done = sum(gallery_counts(ctx.runtime, list(p.new_shard_urls)).values())
                last = with_stall(meter.update(done), ctx.run_dir.path, ctx.settings.stall_seconds)
                ctx.emit(EventKind.PROGRESS, step.id, last.describe(), progress=last)
            except CountError as err:
                if running:
                    ctx.emit(EventKind.MESSAGE, step.id,
                             _("progress unknown for now: {error}").format(error=err))
            if code is not None or not running:
                break
            ctx.point(step.id, "waiting", journal=False)  # every poll: not worth a journal line
            ctx.sleep(ctx.settings.poll_interval, until=watch)
        code = detached.read_exit(exit_file)
        lines = tail(ctx.run_dir.log, ctx.settings.log_tail_lines)
        if code is None:
            self._judge_unrecorded_end(step, ctx, lines)
            return
        if code != 0:
            # TRANSLATORS: {ended} is a sentence such as "the migration tool failed (exit status 1)".
            raise RerunNeeded(_("{ended}.\nIts last output:\n{output}\nFix the cause, then start it "
                               "again into emptied new shards with 'ffwizard resume "
                               "--rerun-migration', or undo everything with 'ffwizard rollback'.")
                             .format(ended=migration_exit_words(code), output=lines))
        ended_proc = detached.read_state(exit_file)
        ended = ctx.run_dir.migration_exit.stat().st_mtime
        seconds = max(0.001, ended - (ended_proc.started if ended_proc else ended))
        ctx.data(step.id, seconds=round(seconds, 3), objects=last.done if last else None)
        if last is not None:
            ctx.emit(EventKind.MESSAGE, step.id,
                     _("the migration tool finished: {objects} objects in the new shards after "
                       "{duration} ({rate} objects/s)").format(
                         objects=format_count(last.done), duration=format_duration(seconds),
                         rate=format_decimal(last.done / seconds)))

    def _judge_unrecorded_end(self, step: Step[RunMigrationParams], ctx: StepContext,
                              lines: str) -> None:
        """The tool no longer runs and nobody recorded how it ended (its wrapper was killed):
        judge the copy by the counts, and leave the last word to the copy check. Hours of
        re-extraction are asked for only when objects are missing."""
        p = step.params
        old = gallery_counts(ctx.runtime, list(p.old_shard_urls))
        new = gallery_counts(ctx.runtime, list(p.new_shard_urls))
        comparison = compare_counts(old, new)
        if not comparison.ok:
            raise RerunNeeded(_("the migration tool stopped without recording its exit status "
                               "(killed?), and the new shards miss objects: {mismatches}.\nIts "
                               "last output:\n{output}\nStart it again into emptied new shards "
                               "with 'ffwizard resume --rerun-migration'.")
                             .format(mismatches="; ".join(comparison.mismatches), output=lines))
        objects = sum(new.values())
        ctx.data(step.id, objects=objects, exit_unrecorded=True)
        ctx.emit(EventKind.MESSAGE, step.id,
                 _("the migration tool ended without recording its exit status, but it no "
                   "longer runs and the new shards hold as many objects as the old ones "
                   "({objects}): going on to check the copy.").format(objects=objects))

    def stop_tool(self, step: Step[RunMigrationParams], ctx: StepContext) -> bool:
        proc = detached.read_state(ctx.run_dir.migration_exit)
        stopped = False
        if proc is not None and detached.group_alive(proc):
            detached.stop(proc)
            stopped = True
        # With docker, the tool belongs to the container and outlives its host-side client,
        # also when that client died long ago: stop it where it runs too.
        p = step.params
        stopped = ctx.runtime.stop_detached(p.service, list(p.argv)) > 0 or stopped
        if stopped:
            # Recorded, so that continuing re-runs the copy as the stop dialog promised, rather
            # than reporting the tool's SIGTERM as a failure.
            ctx.data(step.id, stopped_on_request=True)
            ctx.emit(EventKind.MESSAGE, step.id, _("stopped the migration tool, as you asked"))
        return stopped

    @staticmethod
    def stopped_on_request(state: RunState, exit_file: Path) -> bool:
        """The user stopped the tool (and it is gone): continuing starts the copy again."""
        if not migration_facts(state.data).get("stopped_on_request"):
            return False
        if state.step_status(RunMigration.id) == StepStatus.DONE:
            return False
        proc = detached.read_state(exit_file)
        return proc is None or not detached.group_alive(proc)

    # --- re-running -------------------------------------------------------------------------
    @staticmethod
    def rerun_pending(state: RunState) -> bool:
        """A re-run was started and not finished (cut short: finish emptying first)."""
        events = [e["event"] for e in state.events
                  if e["event"] in (JournalEvent.RERUN_STARTED, JournalEvent.RERUN_DONE)]
        return bool(events) and events[-1] == JournalEvent.RERUN_STARTED

    def rerun_refusal(self, step: Step[RunMigrationParams], plan: Plan,
                      state: RunState, run_dir_exit: Path) -> str | None:
        """Why the migration cannot be re-run now (None: it can)."""
        if state.step_status(step.id) == StepStatus.PENDING:
            return _("there is no migration to re-run at this point of the run.")
        checked = max(plan.index(s.id) for s in plan.steps if s.kind.retry_reruns_migration)
        if any(state.step_status(s.id) != StepStatus.PENDING for s in plan.steps[checked:]):
            return _("the old shards are already stopped; a re-run is no longer possible.")
        proc = detached.read_state(run_dir_exit)
        if proc is not None and detached.group_alive(proc):
            return _("the migration is still running; wait for it (ffwizard attach), or stop "
                     "it first.")
        return None

    def rerun(self, step: Step[RunMigrationParams], ctx: StepContext) -> None:
        """Empty the new shards (data moved aside) and bring them up again, so that the step
        runs again from the start. Idempotent, like a step."""
        add: Step[Any] = next(s for s in ctx.plan.steps if isinstance(s.kind, AddNewShards))
        dirs: Step[Any] = next(s for s in ctx.plan.steps if isinstance(s.kind, CreateShardDirs))
        verify = [s for s in ctx.plan.steps if s.kind.retry_reruns_migration and s is not step]
        state = ctx.state
        attempt = sum(1 for e in state.events if e["event"] == JournalEvent.RERUN_STARTED)
        aside = ctx.run_dir.aside / f"attempt-{attempt}"
        ctx.runtime.remove_services(list(add.params.services))
        ctx.emit(EventKind.MESSAGE, step.id, _("stopped the new shards"))
        ctx.point(step.id, "rerun_removed")
        like = Path(dirs.params.like) if dirs.params.like else None
        # Once emptied, the dirs hold only what the fresh, empty shards wrote on start.
        emptied = sum(1 for e in ctx.state.events
                      if e["event"] == JournalEvent.RERUN_EMPTIED) >= attempt
        for d in dirs.params.dirs:
            path = Path(d)
            if path.exists() and holds_data(path) and not emptied:
                moved = move_aside(path, aside)
                ctx.emit(EventKind.MESSAGE, step.id,
                         _("moved {path} into the run directory ({where})").format(
                             path=path, where=moved.relative_to(ctx.run_dir.path)))
            path.mkdir(exist_ok=True)
            if like is not None:
                copy_tree_owner_mode(like, path)
            for sub in dirs.params.subdirs:
                (path / sub).mkdir(exist_ok=True)
                if like is not None and (like / sub).is_dir():
                    copy_tree_owner_mode(like / sub, path / sub)
        for name in ("migration.log", "migration.exit", "migration.exit.pid"):
            source = ctx.run_dir.path / name
            if source.exists():
                move_aside(source, aside)
        if not emptied:
            ctx.journal(JournalEvent.RERUN_EMPTIED, attempt=attempt)
        ctx.point(step.id, "rerun_emptied")
        ctx.compose_up(add)
        ctx.point(step.id, "rerun_up")
        for url in add.params.health_urls:
            ctx.wait_http(url, "shard")
        for reset in (step, *verify):
            ctx.journal(JournalEvent.STEP_RESET, step=reset.id)
        ctx.journal(JournalEvent.RERUN_DONE)


def migration_facts(data: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the migration recorded in the journal (`seconds`, `objects`, `old_counts`)."""
    return data.get(RunMigration.id, {})


def follow_urls(plan: Plan) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(new shard URLs, old shard URLs) of the plan's migration, to measure its progress."""
    step = next((s for s in plan.steps if isinstance(s.kind, RunMigration)), None)
    if step is None:
        return None
    return step.params.new_shard_urls, step.params.old_shard_urls


