"""The executor: runs a plan against a runtime, durably, resumably, reversibly.

    run = Executor.start(root, plan, runtime, on_event=..., confirm=...)   # new run (apply)
    run = Executor.open(root, runtime, on_event=..., confirm=...)          # existing run
    outcome = run.run()          # apply / resume: every step not yet done
    outcome = run.rollback()     # undo every started step (before the point of no return)
    outcome = run.rerun_migration()   # after a failed migration: into emptied new shards
    run.request_stop()           # from any thread: stop at the next safe point

It walks the plan's steps, each of a kind registered in `ffwizard.core.steps.STEPS` that knows
how to run and undo itself; the executor keeps the loop, the journal, backups, the detached
tool and the failpoints (all through the `StepContext` the steps are given). Every step's start
and end are journaled (fsynced) before the next action; every step is idempotent, so a run
killed at any moment continues with `run()` on a fresh Executor. Events go to `on_event(Event)`;
the executor never prints. It calls `confirm(step)` once, before the point of no return; False
stops the run there ("stopped", resumable).

A front end (the CLI commands, the wizard) around it:
    with InstallLock(root, "wizard"):                       # core/lock.py; LockHeld names the holder
        checks = run_preflight(plan, runtime, settings)     # core/preflight.py, list[Check]
        executor = Executor.start(root, plan, runtime, settings=settings, on_event=...,
                                  confirm=...)
        outcome = executor.run()                            # blocking: call it from a worker thread
`on_event` and `confirm` are called on the thread that runs the executor; `confirm` may block
until the user answers. `ffwizard.core.runstatus.read_status(root)` describes the current or last
run (steps, migration, lock holder) without running anything.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ffwizard.core.atomic import read_text_or_none
from ffwizard.core.errors import CountError, ExitCode, RerunNeeded, RunExists, Stopped, UserError
from ffwizard.core.events import EventKind, JournalEvent, RunStatus, StepStatus
from ffwizard.core.journal import RunDir, RunState, archive_dir, current_run_dir
from ffwizard.core.plan import Plan, Step
from ffwizard.core.planner import load_plan
from ffwizard.core.ports import Runtime
from ffwizard.core.report import status_word, write_report
from ffwizard.core.settings import Settings
from ffwizard.core.steps import step_title
from ffwizard.core.steps.base import Event, StepContext
from ffwizard.core.steps.run_migration import RunMigration
from ffwizard.i18n import _

__all__ = ["Executor", "Outcome"]


@dataclass(frozen=True)
class Outcome:
    status: RunStatus             # DONE | STOPPED | FAILED | ROLLED_BACK
    step: str | None = None       # the step it stopped or failed at
    error: str | None = None
    run_dir: Path | None = None   # where the run directory is now (archived when finished)
    # Only 'resume --rerun-migration' gets past this failure (a plain resume fails the same way).
    rerun_needed: bool = False

    @property
    def exit_code(self) -> ExitCode:
        return {RunStatus.DONE: ExitCode.OK, RunStatus.ROLLED_BACK: ExitCode.OK,
                RunStatus.FAILED: ExitCode.FAILED,
                RunStatus.STOPPED: ExitCode.STOPPED}.get(self.status, ExitCode.FAILED)


class Executor:
    def __init__(self, run: RunDir, plan: Plan, runtime: Runtime, *,
                 settings: Settings = Settings(),
                 on_event: Callable[[Event], None] | None = None,
                 confirm: Callable[[Step[Any]], bool] | None = None) -> None:
        self.plan = plan
        self.runtime = runtime
        self.settings = settings
        self.on_event: Callable[[Event], None] = on_event or (lambda event: None)
        self.confirm: Callable[[Step[Any]], bool] = confirm or (lambda step: False)
        self.context = StepContext(run, plan, runtime, settings, self.on_event)
        self.stop_migration_on_stop = False

    # --- opening ------------------------------------------------------------------------------
    @classmethod
    def start(cls, root: Path, plan: Plan, runtime: Runtime, *, settings: Settings = Settings(),
              on_event: Callable[[Event], None] | None = None,
              confirm: Callable[[Step[Any]], bool] | None = None) -> Executor:
        """A new run of `plan`, saved in the run directory. Refuses if a run is unfinished."""
        root = Path(root)
        current = current_run_dir(root)
        if current.exists():
            if not (current / "run.json").exists():
                # A run directory whose creation was cut short: keep it aside, start afresh.
                aside = archive_dir(root) / f"incomplete-{int(time.time())}"
                aside.parent.mkdir(parents=True, exist_ok=True)
                os.rename(current, aside)
            else:
                state = RunDir(current).state()
                raise RunExists(
                    _("a migration run is already under way here ({status}); continue it with "
                      "'ffwizard resume --root {root}' or undo it with 'ffwizard rollback "
                      "--root {root}'.").format(status=status_word(state.status), root=root))
        run = RunDir.create(root, runtime.kind)
        plan.save(run.path)
        run.journal.append(JournalEvent.RUN_CREATED, runtime=runtime.kind)
        return cls(run, plan, runtime, settings=settings, on_event=on_event, confirm=confirm)

    @classmethod
    def open(cls, root: Path, runtime: Runtime, *, settings: Settings = Settings(),
             on_event: Callable[[Event], None] | None = None,
             confirm: Callable[[Step[Any]], bool] | None = None) -> Executor:
        """The current run, with the plan it was started with."""
        current = current_run_dir(root)
        if not (current / "run.json").exists():
            raise UserError(_("there is no migration run to continue at {root}; start one with "
                              "'ffwizard apply'.").format(root=root))
        run = RunDir(current)
        return cls(run, load_plan(run.path), runtime, settings=settings, on_event=on_event,
                   confirm=confirm)

    def request_stop(self, *, stop_migration: bool = False) -> None:
        """Stop at the next safe point (thread-safe). The detached migration keeps running
        unless `stop_migration`."""
        self.stop_migration_on_stop = self.stop_migration_on_stop or stop_migration
        self.context.stop_requested.set()

    # --- helpers ------------------------------------------------------------------------------
    @property
    def run_dir(self) -> RunDir:
        return self.context.run_dir

    @property
    def backups(self) -> Any:
        return self.context.backups

    @property
    def state(self) -> RunState:
        return self.context.state

    def _journal(self, event: JournalEvent, **fields: Any) -> None:
        self.context.journal(event, **fields)

    def _emit(self, kind: EventKind, step: str | None = None, text: str = "") -> None:
        self.context.emit(kind, step, text)

    def _migration(self) -> Step[Any] | None:
        """The plan's step that can be re-run into emptied shards."""
        return next((s for s in self.plan.steps if isinstance(s.kind, RunMigration)), None)

    # --- running ------------------------------------------------------------------------------
    def run(self) -> Outcome:
        """Run (or continue) every step not yet done."""
        state = self.state
        if state.status in (RunStatus.ROLLING_BACK, RunStatus.ROLLED_BACK,
                            RunStatus.ROLLBACK_FAILED):
            raise UserError(_("this run was being rolled back; finish with 'ffwizard rollback'."))
        if state.status == RunStatus.DONE:
            return self._finish()
        self._journal(JournalEvent.RUN_STARTED, pid=os.getpid())
        self._emit(EventKind.RUN_STARTED, text=str(self.run_dir.path))
        ctx = self.context
        current = None
        try:
            migration = self._migration()
            if migration is not None and RunMigration.rerun_pending(state):
                current = migration.id
                # A re-run cut short: finish emptying the new shards first.
                RunMigration().rerun(migration, ctx)
            elif migration is not None and RunMigration.stopped_on_request(
                    state, self.run_dir.migration_exit):
                current = migration.id
                self._emit(EventKind.MESSAGE, migration.id,
                           _("the migration tool was stopped as you asked: the copy starts "
                             "again into emptied new shards"))
                self._journal(JournalEvent.RERUN_STARTED)
                RunMigration().rerun(migration, ctx)
            for step in self.plan.steps:
                current = step.id
                if self.state.step_status(step.id) == StepStatus.DONE:
                    self._emit(EventKind.STEP_SKIPPED, step.id, step_title(step))
                    continue
                ctx.check_stop()
                if step.id == self.plan.confirm_before and not self.state.confirmed:
                    # The question is about the point of no return, asked before the old
                    # shards stop (see Plan.confirm_before).
                    pnr = self.plan.step(str(self.plan.point_of_no_return))
                    self._emit(EventKind.CONFIRM_NEEDED, pnr.id, step_title(pnr))
                    if not self.confirm(pnr):
                        self._journal(JournalEvent.RUN_STOPPED, step=step.id,
                                      reason="not confirmed")
                        self._emit(EventKind.RUN_STOPPED, step.id,
                                   _("stopped before the point of no return"))
                        self._write_report()
                        return Outcome(RunStatus.STOPPED, step.id, None, self.run_dir.path)
                    self._journal(JournalEvent.CONFIRMED, step=step.id)
                self._journal(JournalEvent.STEP_STARTED, step=step.id)
                self._emit(EventKind.STEP_STARTED, step.id, step_title(step))
                ctx.point(step.id, "started")
                started = time.monotonic()
                step.kind.run(step, ctx)
                self._journal(JournalEvent.STEP_DONE, step=step.id,
                              seconds=round(time.monotonic() - started, 3))
                self._emit(EventKind.STEP_DONE, step.id, step_title(step))
                ctx.point(step.id, "done")
        except Stopped:
            return self._stopped(current)
        except (UserError, OSError, CountError) as err:
            if ctx.stop_requested.is_set():
                # Ctrl+C reached the step's own command too (same terminal): a stop, not a
                # failure; the step is re-entered by resume.
                return self._stopped(current)
            return self._fail(current, str(err), rerun_needed=isinstance(err, RerunNeeded),
                              heal=True)
        except Exception as err:  # a bug: journal it, keep the details for the report's reader
            (self.run_dir.path / "error.txt").write_text(traceback.format_exc())
            return self._fail(current, _("unexpected error ({error}); details in {path}").format(
                error=f"{type(err).__name__}: {err}", path=self.run_dir.path / "error.txt"),
                heal=True)
        self._journal(JournalEvent.RUN_DONE)
        return self._finish()

    def _stopped(self, step: str | None) -> Outcome:
        if self.stop_migration_on_stop:
            self._stop_tools()
        self._journal(JournalEvent.RUN_STOPPED, step=step, reason="asked")
        self._emit(EventKind.RUN_STOPPED, step, _("stopped; continue with 'ffwizard resume'"))
        self._write_report()
        return Outcome(RunStatus.STOPPED, step, None, self.run_dir.path)

    def _fail(self, step: str | None, message: str, *, rerun_needed: bool = False,
              heal: bool = False) -> Outcome:
        extra = {"rerun_needed": True} if rerun_needed else {}
        self._journal(JournalEvent.STEP_FAILED, step=step, error=message, **extra)
        healed = self._heal(step) if heal else None
        if healed:
            message = f"{message}\n{healed}"
        self._journal(JournalEvent.RUN_FAILED, step=step, error=message, **extra)
        self._emit(EventKind.STEP_FAILED, step, message)
        self._emit(EventKind.RUN_FAILED, step, message)
        self._write_report()
        return Outcome(RunStatus.FAILED, step, message, self.run_dir.path,
                       rerun_needed=rerun_needed)

    def _heal(self, failed: str | None) -> str | None:
        """After a failure between stopping the old shards and sf-api serving the new ones:
        bring the old shards back by themselves (each step that stopped something puts it back,
        in plan order) and reset those steps, so that sf-api is never left without shards.
        Returns the sentence that says what happened, None when nothing needed it."""
        pnr = self.plan.point_of_no_return
        if failed is None or not self.plan.has(failed) or not pnr \
                or self.state.step_status(pnr) == StepStatus.DONE:
            return None  # before the old shards stop, or sf-api already serves the new ones
        state = self.state
        upto = self.plan.index(failed)
        healers = [s for s in self.plan.steps[:upto]
                   if s.kind.heals and state.step_status(s.id) != StepStatus.PENDING]
        if not healers:
            return None
        self._emit(EventKind.MESSAGE, failed, _("bringing the old shards back"))
        try:
            for step in healers:
                step.kind.heal(step, self.context)
                self._journal(JournalEvent.STEP_RESET, step=step.id, reason="healed")
        except (UserError, OSError, Stopped) as err:
            # Nothing was reset: resume re-enters the failed step and finishes the switch.
            return _("Bringing the old shards back failed as well: {error}. sf-api may have no "
                     "shards to serve until the first cause is fixed; then 'ffwizard resume' "
                     "finishes the switch to the new shards.").format(error=str(err) or _("stopped"))
        return _("The old shards were brought back and sf-api serves them again; nothing is "
                 "lost. Fix the cause above, then 'ffwizard resume'.")

    def _finish(self) -> Outcome:
        self._write_report()
        self.context.run_dir = self.run_dir.archive()
        self._emit(EventKind.RUN_DONE, text=str(self.run_dir.path))
        return Outcome(RunStatus.DONE, None, None, self.run_dir.path)

    def _write_report(self) -> None:
        try:
            write_report(self.run_dir, self.plan)
        except OSError as err:
            self._emit(EventKind.MESSAGE,
                       text=_("could not write the report: {error}").format(error=err))

    def _stop_tools(self) -> None:
        """Stop every tool a step left running on its own (the detached migration)."""
        for step in self.plan.steps:
            if step.kind.stops_a_tool:
                step.kind.stop_tool(step, self.context)

    # --- re-running the migration ----------------------------------------------------------------
    def rerun_migration(self) -> Outcome:
        """After a failed migration or copy check: empty the new shards (their data moved aside
        into the run directory, never deleted) and run the migration again, then the rest."""
        migration = self._migration()
        if migration is None:
            raise UserError(_("there is no migration to re-run at this point of the run."))
        kind = RunMigration()
        refusal = kind.rerun_refusal(migration, self.plan, self.state,
                                     self.run_dir.migration_exit)
        if refusal:
            raise UserError(refusal)
        self._journal(JournalEvent.RERUN_STARTED)
        try:
            kind.rerun(migration, self.context)
        except (UserError, OSError) as err:
            return self._fail(migration.id, str(err))
        return self.run()

    # --- rolling back ---------------------------------------------------------------------------
    def rollback(self) -> Outcome:
        state = self.state
        if state.status == RunStatus.DONE:
            raise UserError(_("this run is finished; there is nothing to roll back."))
        pnr = self.plan.point_of_no_return
        if pnr and state.step_status(pnr) != StepStatus.PENDING:
            step = self.plan.step(pnr)
            if state.step_status(pnr) == StepStatus.DONE or any(
                    read_text_or_none(c.path) != c.before for c in step.changes):
                raise UserError(step.kind.past_no_return(step, self.context))
        self._journal(JournalEvent.ROLLBACK_STARTED)
        self._emit(EventKind.MESSAGE, text=_("rolling back"))
        ctx = self.context
        current = None
        try:
            self._stop_tools()
            for step in reversed(self.plan.steps):
                current = step.id
                if self.state.step_status(step.id) in (StepStatus.PENDING, StepStatus.UNDONE):
                    continue
                self._emit(EventKind.STEP_STARTED, step.id,
                           _("undo: {step}").format(step=step_title(step)))
                step.kind.undo(step, ctx)
                self._journal(JournalEvent.STEP_UNDONE, step=step.id)
                self._emit(EventKind.STEP_UNDONE, step.id, step_title(step))
                ctx.point(step.id, "undone")
        except (UserError, OSError) as err:
            message = _("rollback stopped at '{step}': {error}. Fix the cause and run 'ffwizard "
                        "rollback' again; backups are in {backups}.").format(
                step=current, error=err, backups=ctx.backups.dir)
            self._journal(JournalEvent.ROLLBACK_FAILED, step=current, error=message)
            self._emit(EventKind.RUN_FAILED, current, message)
            self._write_report()
            return Outcome(RunStatus.FAILED, current, message, self.run_dir.path)
        self._journal(JournalEvent.ROLLBACK_DONE)
        self._write_report()
        self.context.run_dir = self.run_dir.archive()
        self._emit(EventKind.ROLLBACK_DONE, text=str(self.run_dir.path))
        return Outcome(RunStatus.ROLLED_BACK, None, None, self.run_dir.path)
