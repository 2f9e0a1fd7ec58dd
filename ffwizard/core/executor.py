"""The executor: runs a plan against a runtime, durably, resumably, reversibly.

    run = Executor.start(root, plan, runtime, on_event=..., confirm=...)   # new run (apply)
    run = Executor.open(root, runtime, on_event=..., confirm=...)          # existing run
    outcome = run.run()          # apply / resume: every step not yet done
    outcome = run.rollback()     # undo every started step (before the point of no return)
    outcome = run.rerun_migration()   # after a failed migration: into emptied new shards
    run.request_stop()           # from any thread: stop at the next safe point

Every step's start and end are journaled (fsynced) before the next action; every step is
idempotent, so a run killed at any moment continues with `run()` on a fresh Executor. Events go
to `on_event(Event)`; the executor never prints. It calls `confirm(step)` once, before the point
of no return; False stops the run there ("stopped", resumable).

A front end (the CLI commands, the wizard) around it:
    with InstallLock(root, "wizard"):                       # core/lock.py; LockHeld names the holder
        checks = run_preflight(RunPlan.from_plan(plan), runtime)   # core/preflight.py, list[Check]
        executor = Executor.start(root, plan, runtime, on_event=..., confirm=...)
        outcome = executor.run()                            # blocking: call it from a worker thread
`on_event` and `confirm` are called on the thread that runs the executor; `confirm` may block
until the user answers. `ffwizard.core.runstatus.read_status(root)` describes the current or last
run (steps, migration, lock holder) without running anything.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ffwizard.core import detached
from ffwizard.core.atomic import atomic_write_text, read_text_or_none
from ffwizard.core.backup import Backups, copy_tree_owner_mode, move_aside
from ffwizard.core.errors import ExitCode, RunExists, StepFailed, Stopped, UserError  # noqa: F401  (RunExists, Stopped: importable from here until the executor moves)
from ffwizard.core.journal import RunDir, archive_dir, current_run_dir
from ffwizard.core.plan import step_title
from ffwizard.core.progress import (CountError, ProgressMeter, ProgressSample, format_duration,
                                    gallery_counts, parse_gallery_counts)
from ffwizard.core.runplan import RunPlan, RunStep
from ffwizard.core.verify import compare_counts, unhealthy_shards
from ffwizard.i18n import N_, _

KILL_AT_ENV = "FFWIZARD_TEST_KILL_AT"        # "<step>:<point>": SIGKILL ourselves there
POINTS_FILE_ENV = "FFWIZARD_TEST_POINTS_FILE"  # append every point passed (to enumerate them)


@dataclass(frozen=True)
class Event:
    """What happened. kind: run_started | step_started | step_skipped | step_done | step_failed |
    step_undone | output | progress | message | confirm_needed | run_done | run_stopped |
    run_failed | rollback_done."""

    kind: str
    step: str | None = None
    text: str = ""
    index: int | None = None      # 1-based position of `step` in the plan
    total: int | None = None      # number of steps
    progress: ProgressSample | None = None


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


# What `_wait_http` waits for, each in a whole sentence.
NO_ANSWER = {
    "extraction": N_("the extraction service did not answer at {url} within {seconds} s "
                     "({why}); check its logs, then 'ffwizard resume' or 'ffwizard rollback'."),
    "shard": N_("a new shard did not answer at {url} within {seconds} s ({why}); check its "
                "logs, then 'ffwizard resume' or 'ffwizard rollback'."),
    "sf-api": N_("sf-api did not answer at {url} within {seconds} s ({why}); check its logs, "
                 "then 'ffwizard resume' or 'ffwizard rollback'."),
}


@dataclass(frozen=True)
class Outcome:
    status: str                   # done | stopped | failed | rolled-back
    step: str | None = None       # the step it stopped or failed at
    error: str | None = None
    run_dir: Path | None = None   # where the run directory is now (archived when finished)

    @property
    def exit_code(self) -> int:
        return {"done": ExitCode.OK, "rolled-back": ExitCode.OK, "failed": ExitCode.FAILED,
                "stopped": ExitCode.STOPPED}.get(self.status, ExitCode.FAILED)


@dataclass
class ExecutorSettings:
    poll_interval: float = 2.0          # seconds between progress samples of the migration
    health_timeout: float = 600.0       # patience for a restarted service (GPU model caches)
    log_tail_lines: int = 20

    @classmethod
    def from_env(cls) -> "ExecutorSettings":
        settings = cls()
        if os.environ.get("FFWIZARD_POLL_INTERVAL"):
            settings.poll_interval = float(os.environ["FFWIZARD_POLL_INTERVAL"])
        if os.environ.get("FFWIZARD_HEALTH_TIMEOUT"):
            settings.health_timeout = float(os.environ["FFWIZARD_HEALTH_TIMEOUT"])
        return settings


def tail(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


class Executor:
    def __init__(self, run: RunDir, plan: RunPlan, runtime, *,
                 on_event: Callable[[Event], None] | None = None,
                 confirm: Callable[[RunStep], bool] | None = None,
                 settings: ExecutorSettings | None = None):
        self.run_dir = run
        self.plan = plan
        self.runtime = runtime
        self.on_event = on_event or (lambda event: None)
        self.confirm = confirm or (lambda step: False)
        self.settings = settings or ExecutorSettings.from_env()
        self.backups = Backups(run.path, plan.root)
        self.stop_requested = threading.Event()
        self.stop_migration_on_stop = False

    # --- opening ------------------------------------------------------------------------------
    @classmethod
    def start(cls, root: Path, plan, runtime, **kw) -> "Executor":
        """A new run of `plan` (a core Plan or a RunPlan). Refuses if a run is unfinished."""
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
                from ffwizard.core.report import status_word

                raise RunExists(
                    _("a migration run is already under way here ({status}); continue it with "
                      "'ffwizard resume --root {root}' or undo it with 'ffwizard rollback "
                      "--root {root}'.").format(status=status_word(state.status), root=root))
        run_plan = plan if isinstance(plan, RunPlan) else RunPlan.from_plan(plan)
        run = RunDir.create(root, runtime.kind)
        run_plan.save(run.path)
        run.journal.append("run_created", runtime=runtime.kind)
        return cls(run, run_plan, runtime, **kw)

    @classmethod
    def open(cls, root: Path, runtime, **kw) -> "Executor":
        current = current_run_dir(root)
        if not (current / "run.json").exists():
            raise UserError(_("there is no migration run to continue at {root}; start one with "
                              "'ffwizard apply'.").format(root=root))
        run = RunDir(current)
        return cls(run, RunPlan.load(run.path), runtime, **kw)

    def request_stop(self, *, stop_migration: bool = False) -> None:
        """Stop at the next safe point (thread-safe). The detached migration keeps running
        unless `stop_migration`."""
        self.stop_migration_on_stop = self.stop_migration_on_stop or stop_migration
        self.stop_requested.set()

    # --- helpers ------------------------------------------------------------------------------
    @property
    def state(self):
        return self.run_dir.state()

    def _emit(self, kind: str, step: str | None = None, text: str = "", **kw) -> None:
        index = total = None
        if step is not None and self.plan.has(step):
            index = [s.id for s in self.plan.steps].index(step) + 1
            total = len(self.plan.steps)
        self.on_event(Event(kind, step, text, index, total, **kw))

    def _point(self, step: str, point: str, *, journal: bool = True) -> None:
        """A named moment inside a step: journaled, and where tests may kill us."""
        if journal:
            self.run_dir.journal.append("step_point", step=step, point=point)
        name = f"{step}:{point}"
        trace = os.environ.get(POINTS_FILE_ENV)
        if trace:
            with open(trace, "a") as handle:
                handle.write(name + "\n")
        if os.environ.get(KILL_AT_ENV) == name:
            os.kill(os.getpid(), signal.SIGKILL)

    def _data(self, step: str, **data) -> None:
        self.run_dir.journal.append("step_data", step=step, data=data)

    def _check_stop(self) -> None:
        if self.stop_requested.is_set():
            raise Stopped()

    def _sleep(self, seconds: float) -> None:
        if self.stop_requested.wait(seconds):
            raise Stopped()

    # --- running ------------------------------------------------------------------------------
    def run(self) -> Outcome:
        """Run (or continue) every step not yet done."""
        state = self.state
        if state.status in ("rolling-back", "rolled-back", "rollback-failed"):
            raise UserError(_("this run was being rolled back; finish with 'ffwizard rollback'."))
        if state.status == "done":
            return self._finish()
        self.run_dir.journal.append("run_started", pid=os.getpid())
        self._emit("run_started", text=str(self.run_dir.path))
        current = None
        try:
            if "rerun_started" in {e["event"] for e in state.events} and not self._rerun_finished(state):
                current = "run_migration"
                self._do_rerun()  # a re-run cut short: finish emptying the new shards first
            for step in self.plan.steps:
                current = step.id
                status = self.state.step_status(step.id)
                if status == "done":
                    self._emit("step_skipped", step.id, step_title(step))
                    continue
                self._check_stop()
                if step.id == self.plan.confirm_before and not self.state.confirmed:
                    # The question is about the point of no return, asked before the old
                    # shards stop (see RunPlan.confirm_before).
                    pnr = self.plan.step(self.plan.point_of_no_return)
                    self._emit("confirm_needed", pnr.id, step_title(pnr))
                    if not self.confirm(pnr):
                        self.run_dir.journal.append("run_stopped", step=step.id,
                                                    reason="not confirmed")
                        self._emit("run_stopped", step.id,
                                   _("stopped before the point of no return"))
                        self._write_report()
                        return Outcome("stopped", step.id, None, self.run_dir.path)
                    self.run_dir.journal.append("confirmed", step=step.id)
                self.run_dir.journal.append("step_started", step=step.id)
                self._emit("step_started", step.id, step_title(step))
                self._point(step.id, "started")
                started = time.monotonic()
                getattr(self, f"_step_{step.id}")(step)
                self.run_dir.journal.append("step_done", step=step.id,
                                            seconds=round(time.monotonic() - started, 3))
                self._emit("step_done", step.id, step_title(step))
                self._point(step.id, "done")
        except Stopped:
            return self._stopped(current)
        except (UserError, OSError, CountError) as err:
            if self.stop_requested.is_set():
                # Ctrl+C reached the step's own command too (same terminal): a stop, not a
                # failure; the step is re-entered by resume.
                return self._stopped(current)
            return self._fail(current, str(err))
        except Exception as err:  # a bug: journal it, keep the details for the report's reader
            (self.run_dir.path / "error.txt").write_text(traceback.format_exc())
            return self._fail(current, _("unexpected error ({error}); details in {path}").format(
                error=f"{type(err).__name__}: {err}", path=self.run_dir.path / "error.txt"))
        self.run_dir.journal.append("run_done")
        return self._finish()

    def _stopped(self, step: str | None) -> Outcome:
        if self.stop_migration_on_stop:
            self._stop_migration()
        self.run_dir.journal.append("run_stopped", step=step, reason="asked")
        self._emit("run_stopped", step, _("stopped; continue with 'ffwizard resume'"))
        self._write_report()
        return Outcome("stopped", step, None, self.run_dir.path)

    def _fail(self, step: str | None, message: str) -> Outcome:
        self.run_dir.journal.append("step_failed", step=step, error=message)
        self.run_dir.journal.append("run_failed", step=step, error=message)
        self._emit("step_failed", step, message)
        self._emit("run_failed", step, message)
        self._write_report()
        return Outcome("failed", step, message, self.run_dir.path)

    def _finish(self) -> Outcome:
        self._write_report()
        self.run_dir = self.run_dir.archive()
        self._emit("run_done", text=str(self.run_dir.path))
        return Outcome("done", None, None, self.run_dir.path)

    def _write_report(self) -> None:
        from ffwizard.core.report import write_report
        try:
            write_report(self.run_dir, self.plan)
        except OSError as err:
            self._emit("message", text=_("could not write the report: {error}").format(error=err))

    # --- shared actions -------------------------------------------------------------------------
    def _write_changes(self, step: RunStep) -> bool:
        """Write the step's files (backup first). True if anything was written now."""
        wrote = False
        for change in step.changes:
            current = read_text_or_none(change.path)
            if current == change.after:
                continue
            if current != change.before:
                raise StepFailed(
                    _("{path} is not as the plan expected (it was changed since the plan was "
                      "made); nothing was written to it. Undo the run with 'ffwizard rollback' "
                      "and plan again.").format(path=change.path))
            change.path.parent.mkdir(parents=True, exist_ok=True)
            self.backups.ensure(change.path)
            self._point(step.id, "backed_up")
            atomic_write_text(change.path, change.after, mode=change.mode)
            self._point(step.id, "written")
            wrote = True
        return wrote

    def _exec(self, step: RunStep, service: str, argv: list[str], *, workdir: str | None = None):
        self._emit("output", step.id, "$ " + " ".join(argv))
        result = self.runtime.exec(service, argv, workdir=workdir)
        for line in result.output.splitlines()[-self.settings.log_tail_lines:]:
            self._emit("output", step.id, line)
        if result.exit_code != 0:
            last = "\n".join(result.output.splitlines()[-self.settings.log_tail_lines:])
            raise StepFailed(_("'{command}' in {service} ended with status {code}.\nIts last "
                               "output:\n{output}").format(command=" ".join(argv),
                                                           service=service,
                                                           code=result.exit_code, output=last))
        return result

    def _wait_http(self, url: str, what: str, *, any_answer: bool = False) -> None:
        """Wait until `url` answers 200 (any answer with `any_answer`); `what`: a NO_ANSWER key."""
        deadline = time.monotonic() + self.settings.health_timeout
        while True:
            answer = self.runtime.http_get(url, timeout=5)
            if answer.status == 200 or (any_answer and answer.answered):
                return
            if time.monotonic() > deadline:
                raise StepFailed(_(NO_ANSWER[what]).format(
                    url=url, seconds=f"{self.settings.health_timeout:.0f}",
                    why=answer.error or f"HTTP {answer.status}"))
            self._sleep(min(1.0, self.settings.poll_interval))

    def _compose_up(self, step: RunStep, *, remove_orphans: bool = False) -> None:
        result = self.runtime.compose_up(remove_orphans=remove_orphans)
        for line in result.output.splitlines()[-self.settings.log_tail_lines:]:
            self._emit("output", step.id, line)
        if result.exit_code != 0:
            raise StepFailed(_("compose up ended with status {code}: {output}").format(
                code=result.exit_code, output=result.output.strip()[-500:]))

    # --- the steps ------------------------------------------------------------------------------
    def _step_backup(self, step: RunStep) -> None:
        p = step.params
        data = self.state.data.get(step.id, {})
        if data.get("dump_dir") and Path(data["dump_dir"]).is_dir():
            return
        target = Path(data["target"]) if data.get("target") else None
        if target is None:
            wanted = Path(p["host_dir"])
            target = wanted
            if wanted.exists() and any(wanted.iterdir()):
                # Never mix with (or overwrite) an earlier dump: this run's goes next to it.
                target = wanted.with_name(f"{wanted.name}.{self.run_dir.info()['run_id']}")
            self._data(step.id, target=str(target))
        staging = target.parent / f".{target.name}.partial"
        if target.is_dir() and any(target.iterdir()):
            # Moved into place before a kill: only the empty staging directory may be left.
            if staging.is_dir() and not any(staging.iterdir()):
                staging.rmdir()
            self._data(step.id, dump_dir=str(target))
            return
        self._exec(step, p["service"], ["mkdir", "-p", p["container_dir"]])
        self._exec(step, p["service"], list(p["dump_argv"]), workdir=p["container_dir"])
        self._point(step.id, "dumped")
        if staging.exists():
            shutil.rmtree(staging)  # ffwizard's own incomplete copy from a cut-short attempt
        staging.mkdir(parents=True)
        copied = self.runtime.copy_out(p["service"], p["container_dir"], staging)
        self._point(step.id, "copied")
        if target.exists():
            target.rmdir()  # empty (checked above)
        os.rename(copied, target)
        self._point(step.id, "moved")
        shutil.rmtree(staging)
        self._data(step.id, dump_dir=str(target))

    def _step_create_shard_dirs(self, step: RunStep) -> None:
        p = step.params
        like = Path(p["like"]) if p.get("like") else None
        created = list(self.state.data.get(step.id, {}).get("created", []))
        for d in p["dirs"]:
            path = Path(d)
            if not path.exists():
                if d not in created:
                    created.append(d)
                    self._data(step.id, created=created)  # intent first: rollback knows it is ours
                path.mkdir(parents=True)
                if like is not None and like.is_dir():
                    copy_tree_owner_mode(like, path)
                self._point(step.id, "made_dir")
            for sub in p.get("subdirs", []):
                (path / sub).mkdir(exist_ok=True)
                model = like / sub if like is not None and (like / sub).is_dir() else like
                if model is not None and model.is_dir():
                    copy_tree_owner_mode(model, path / sub)

    def _step_switch_model(self, step: RunStep) -> None:
        p = step.params
        self._write_changes(step)
        if not self.state.passed(step.id, "restarted"):
            self.runtime.restart(p["service"])
            self._point(step.id, "restarted")
        self._wait_http(p["health_url"], "extraction", any_answer=True)

    def _step_add_new_shards(self, step: RunStep) -> None:
        p = step.params
        self._write_changes(step)
        self._compose_up(step)
        self._point(step.id, "composed_up")
        for url in p.get("health_urls", []):
            self._wait_http(url, "shard")

    def _step_write_migration_config(self, step: RunStep) -> None:
        p = step.params
        self._write_changes(step)
        self.runtime.copy_in(p["service"], Path(p["host_path"]), p["container_dir"])
        self._point(step.id, "copied_in")

    def _step_run_migration(self, step: RunStep) -> None:
        p = step.params
        exit_file = self.run_dir.migration_exit
        proc = detached.read_state(exit_file)
        if proc is None and detached.read_exit(exit_file) is None:
            if detached.find_wrapper(exit_file) is not None:
                # Launched, pid not yet recorded: give the wrapper a moment.
                time.sleep(1.0)
                proc = detached.read_state(exit_file)
        if proc is None and detached.read_exit(exit_file) is None:
            new_counts = gallery_counts(self.runtime, p["new_shard_urls"])
            if sum(new_counts.values()):
                raise StepFailed(
                    _("the new shards already hold objects, and a migration must start into "
                      "empty shards. Run 'ffwizard resume --rerun-migration' to move their data "
                      "aside and start again."))
            old_counts = gallery_counts(self.runtime, p["old_shard_urls"])
            self._data(step.id, old_counts=old_counts)
            argv = self.runtime.detached_host_argv(p["service"], list(p["argv"]),
                                                   workdir=p.get("workdir"))
            self._data(step.id, launching=True, started_at=time.time())
            proc = detached.launch(argv, log_file=self.run_dir.log, exit_file=exit_file)
            self._data(step.id, pid=proc.pid)
            self._emit("message", step.id,
                       _("the migration runs detached (pid {pid}); its output goes to {log}")
                       .format(pid=proc.pid, log=self.run_dir.log))
            self._point(step.id, "launched")
        self._follow_migration(step)

    def _follow_migration(self, step: RunStep) -> None:
        p = step.params
        exit_file = self.run_dir.migration_exit
        data = self.state.data.get(step.id, {})
        total = sum((data.get("old_counts") or {}).values())
        meter = ProgressMeter(total)
        last: ProgressSample | None = None
        while True:
            code = detached.read_exit(exit_file)
            proc = detached.read_state(exit_file)
            running = code is None and proc is not None and detached.group_alive(proc)
            try:
                done = sum(gallery_counts(self.runtime, p["new_shard_urls"]).values())
                last = meter.update(done)
                self._emit("progress", step.id, last.describe(), progress=last)
            except CountError as err:
                if running:
                    self._emit("message", step.id,
                               _("progress unknown for now: {error}").format(error=err))
            if code is not None or not running:
                break
            self._point(step.id, "waiting", journal=False)  # every poll: not worth a journal line
            self._sleep(self.settings.poll_interval)
        code = detached.read_exit(exit_file)
        lines = tail(self.run_dir.log, self.settings.log_tail_lines)
        if code is None:
            raise StepFailed(_("the migration tool stopped without recording its exit status "
                               "(killed?).\nIts last output:\n{output}\nStart it again into "
                               "emptied new shards with 'ffwizard resume --rerun-migration'.")
                             .format(output=lines))
        if code != 0:
            # TRANSLATORS: {ended} is a sentence such as "the migration tool failed (exit status 1)".
            raise StepFailed(_("{ended}.\nIts last output:\n{output}\nFix the cause, then start it "
                               "again into emptied new shards with 'ffwizard resume "
                               "--rerun-migration', or undo everything with 'ffwizard rollback'.")
                             .format(ended=migration_exit_words(code), output=lines))
        proc = detached.read_state(exit_file)
        ended = self.run_dir.migration_exit.stat().st_mtime
        seconds = max(0.001, ended - (proc.started if proc else ended))
        self._data(step.id, seconds=round(seconds, 3),
                   objects=last.done if last else None)
        if last is not None:
            self._emit("message", step.id,
                       _("the migration tool finished: {objects} objects in the new shards after "
                         "{duration} ({rate} objects/s)").format(
                           objects=last.done, duration=format_duration(seconds),
                           rate=f"{last.done / seconds:.1f}"))

    def _step_verify_copy(self, step: RunStep) -> None:
        p = step.params
        sick = unhealthy_shards(self.runtime, p["new_shard_urls"])
        if sick:
            raise StepFailed(_("{problems}. Nothing was switched; check the shard, then "
                               "'ffwizard resume'.").format(problems="; ".join(sick)))
        old = gallery_counts(self.runtime, p["old_shard_urls"])
        new = gallery_counts(self.runtime, p["new_shard_urls"])
        comparison = compare_counts(old, new)
        self._data(step.id, old_counts=old, new_counts=new, mismatches=comparison.mismatches)
        if not comparison.ok:
            raise StepFailed(_("the new shards do not hold the same objects as the old ones: "
                               "{mismatches}. Nothing was switched. Re-run the migration with "
                               "'ffwizard resume --rerun-migration', or undo with 'ffwizard "
                               "rollback'.").format(mismatches="; ".join(comparison.mismatches)))

    def _step_remove_old_shards(self, step: RunStep) -> None:
        self._write_changes(step)
        self._compose_up(step, remove_orphans=True)
        self._point(step.id, "composed_up")

    def _step_switch_sf_api(self, step: RunStep) -> None:
        p = step.params
        self._write_changes(step)
        if not self.state.passed(step.id, "restarted"):
            self.runtime.restart(p["service"])
            self._point(step.id, "restarted")
        self._wait_http(p["health_url"], "sf-api")

    def _step_migrate_clusters(self, step: RunStep) -> None:
        p = step.params
        self._exec(step, p["service"], list(p["argv"]))

    def _step_verify_final(self, step: RunStep) -> None:
        p = step.params
        sick = unhealthy_shards(self.runtime, p["new_shard_urls"])
        sf = self.runtime.http_get(p["sf_api_url"].rstrip("/") + "/v2/galleries", timeout=10)
        if sf.status != 200:
            sick.append(_("sf-api does not answer ({why})").format(
                why=sf.error or f"HTTP {sf.status}"))
        if sick:
            raise StepFailed(_("{problems}. Check the services, then 'ffwizard resume'.")
                             .format(problems="; ".join(sick)))
        copied = self.state.data.get(p.get("old_counts_from", "verify_copy"), {}).get("new_counts", {})
        now = gallery_counts(self.runtime, p["new_shard_urls"])
        try:
            served = parse_gallery_counts(sf.body)
        except ValueError:
            served = None  # an sf-api whose gallery list carries no counts: its answer suffices
        if served is not None and served != now:
            wrong = compare_counts(now, served, compared="sf-api").mismatches
            raise StepFailed(_("sf-api does not serve what the new shards hold ({mismatches}). "
                               "Check its shard list, then 'ffwizard resume'.")
                             .format(mismatches="; ".join(wrong)))
        # New events may have arrived since the copy: counts may grow, never shrink.
        comparison = compare_counts(copied, now, at_least=True)
        self._data(step.id, final_counts=now, mismatches=comparison.mismatches)
        if not comparison.ok:
            raise StepFailed(_("objects went missing from the new shards since the copy was "
                               "checked: {mismatches}.")
                             .format(mismatches="; ".join(comparison.mismatches)))

    # --- re-running the migration ----------------------------------------------------------------
    def _rerun_finished(self, state) -> bool:
        events = [e["event"] for e in state.events if e["event"] in ("rerun_started", "rerun_done")]
        return bool(events) and events[-1] == "rerun_done"

    def rerun_migration(self) -> Outcome:
        """After a failed migration or copy check: empty the new shards (their data moved aside
        into the run directory, never deleted) and run the migration again, then the rest."""
        state = self.state
        if state.step_status("run_migration") == "pending":
            raise UserError(_("there is no migration to re-run at this point of the run."))
        if any(state.step_status(s.id) != "pending"
               for s in self.plan.steps if s.id in ("remove_old_shards", "switch_sf_api")):
            raise UserError(_("the old shards are already stopped; a re-run is no longer "
                              "possible."))
        proc = detached.read_state(self.run_dir.migration_exit)
        if proc is not None and detached.group_alive(proc):
            raise UserError(_("the migration is still running; wait for it (ffwizard attach), "
                              "or stop it first."))
        self.run_dir.journal.append("rerun_started")
        try:
            self._do_rerun()
        except (UserError, OSError) as err:
            return self._fail("run_migration", str(err))
        return self.run()

    def _do_rerun(self) -> None:
        add = self.plan.step("add_new_shards")
        dirs = self.plan.step("create_shard_dirs").params
        attempt = sum(1 for e in self.state.events if e["event"] == "rerun_started")
        aside = self.run_dir.aside / f"attempt-{attempt}"
        self.runtime.remove_services(list(add.params["services"]))
        self._emit("message", "run_migration", _("stopped the new shards"))
        self._point("run_migration", "rerun_removed")
        like = Path(dirs["like"]) if dirs.get("like") else None
        # Once emptied, the dirs hold only what the fresh, empty shards wrote on start.
        emptied = sum(1 for e in self.state.events if e["event"] == "rerun_emptied") >= attempt
        for d in dirs["dirs"]:
            path = Path(d)
            if path.exists() and _holds_data(path) and not emptied:
                moved = move_aside(path, aside)
                self._emit("message", "run_migration",
                           _("moved {path} into the run directory ({where})").format(
                               path=path, where=moved.relative_to(self.run_dir.path)))
            path.mkdir(exist_ok=True)
            if like is not None:
                copy_tree_owner_mode(like, path)
            for sub in dirs.get("subdirs", []):
                (path / sub).mkdir(exist_ok=True)
                if like is not None and (like / sub).is_dir():
                    copy_tree_owner_mode(like / sub, path / sub)
        for name in ("migration.log", "migration.exit", "migration.exit.pid"):
            source = self.run_dir.path / name
            if source.exists():
                move_aside(source, aside)
        if not emptied:
            self.run_dir.journal.append("rerun_emptied", attempt=attempt)
        self._point("run_migration", "rerun_emptied")
        self._compose_up(add)
        self._point("run_migration", "rerun_up")
        for url in add.params.get("health_urls", []):
            self._wait_http(url, "shard")
        self.run_dir.journal.append("step_reset", step="run_migration")
        self.run_dir.journal.append("step_reset", step="verify_copy")
        self.run_dir.journal.append("rerun_done")

    def _stop_migration(self) -> None:
        proc = detached.read_state(self.run_dir.migration_exit)
        stopped = False
        if proc is not None and detached.group_alive(proc):
            detached.stop(proc)
            stopped = True
        # With docker, the tool belongs to the container and outlives its host-side client,
        # also when that client died long ago: stop it where it runs too.
        if self.plan.has("run_migration"):
            params = self.plan.step("run_migration").params
            stopped = self.runtime.stop_detached(params["service"], list(params["argv"])) > 0 or stopped
        if stopped:
            self._emit("message", "run_migration", _("stopped the migration tool"))

    # --- rolling back ---------------------------------------------------------------------------
    def rollback(self) -> Outcome:
        state = self.state
        if state.status in ("done",):
            raise UserError(_("this run is finished; there is nothing to roll back."))
        pnr = self.plan.point_of_no_return
        if pnr and state.step_status(pnr) != "pending":
            step = self.plan.step(pnr)
            if state.step_status(pnr) == "done" or any(
                    read_text_or_none(c.path) != c.before for c in step.changes):
                raise UserError(
                    _("the run is past the point of no return ('{step}'): sf-api already serves "
                      "the new shards, so ffwizard cannot undo it. Finish with 'ffwizard "
                      "resume'. The old shard data directories are still on disk.")
                    .format(step=step_title(step)))
        self.run_dir.journal.append("rollback_started")
        self._emit("message", text=_("rolling back"))
        current = None
        try:
            self._stop_migration()
            for step in reversed(self.plan.steps):
                current = step.id
                status = self.state.step_status(step.id)
                if status in ("pending", "undone"):
                    continue
                self._emit("step_started", step.id,
                           _("undo: {step}").format(step=step_title(step)))
                undo = getattr(self, f"_undo_{step.id}", None)
                if undo is not None:
                    undo(step)
                self.run_dir.journal.append("step_undone", step=step.id)
                self._emit("step_undone", step.id, step_title(step))
                self._point(step.id, "undone")
        except (UserError, OSError) as err:
            message = _("rollback stopped at '{step}': {error}. Fix the cause and run 'ffwizard "
                        "rollback' again; backups are in {backups}.").format(
                step=current, error=err, backups=self.backups.dir)
            self.run_dir.journal.append("rollback_failed", step=current, error=message)
            self._emit("run_failed", current, message)
            self._write_report()
            return Outcome("failed", current, message, self.run_dir.path)
        self.run_dir.journal.append("rollback_done")
        self._write_report()
        self.run_dir = self.run_dir.archive()
        self._emit("rollback_done", text=str(self.run_dir.path))
        return Outcome("rolled-back", None, None, self.run_dir.path)

    def _restore(self, step: RunStep) -> bool:
        """Restore the step's files from the backups. True if a file had to change."""
        changed = False
        for change in step.changes:
            if self.backups.has(change.path):
                before = read_text_or_none(change.path)
                message = self.backups.restore(change.path)
                self._emit("output", step.id, message)
                changed = changed or read_text_or_none(change.path) != before
        return changed

    def _undo_remove_old_shards(self, step: RunStep) -> None:
        self._restore(step)
        self._compose_up(step)  # the old shards come back; their data was never touched

    def _undo_add_new_shards(self, step: RunStep) -> None:
        self.runtime.remove_services(list(step.params["services"]))
        self._restore(step)

    def _undo_switch_model(self, step: RunStep) -> None:
        changed = self._restore(step)
        if changed or self.state.passed(step.id, "restarted"):
            self.runtime.restart(step.params["service"])
            self._wait_http(step.params["health_url"], "extraction", any_answer=True)

    def _undo_write_migration_config(self, step: RunStep) -> None:
        self._restore(step)

    def _undo_create_shard_dirs(self, step: RunStep) -> None:
        created = self.state.data.get(step.id, {}).get("created", [])
        for d in created:
            path = Path(d)
            if not path.exists():
                continue
            if _holds_data(path):
                moved = move_aside(path, self.run_dir.aside / "new-shards")
                where = moved.relative_to(self.run_dir.path)
                self._emit("output", step.id,
                           _("{path}: it held data, so it was moved into the run directory "
                             "({where}), not deleted").format(path=path, where=where))
            else:
                for sub in step.params.get("subdirs", []):
                    if (path / sub).is_dir():
                        (path / sub).rmdir()
                path.rmdir()
                self._emit("output", step.id,
                           _("{path}: removed (ffwizard created it empty)").format(path=path))


def _holds_data(path: Path) -> bool:
    """Whether a shard dir holds anything but the three empty subdirectories."""
    for entry in path.iterdir():
        if entry.is_dir() and entry.name in ("index", "snapshots", "xlogs") and not any(entry.iterdir()):
            continue
        return True
    return False
