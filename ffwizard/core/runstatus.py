"""A run as `status`, `attach` and the wizard show it: read from the run directory only
(journal, plan, detached-process files), so it works while another process runs the steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ffwizard.core import detached
from ffwizard.core.errors import CountError
from ffwizard.core.events import RunStatus, StepStatus
from ffwizard.core.journal import RunDir, find_run, tail
from ffwizard.core.lock import LockHolder, is_locked, read_holder
from ffwizard.core.plan import Plan
from ffwizard.core.planner import load_plan
from ffwizard.core.ports import Runtime
from ffwizard.core.progress import gallery_counts
from ffwizard.core.steps import step_title
from ffwizard.core.steps.run_migration import follow_urls
from ffwizard.i18n import N_, _

# Display words for MigrationStatus.state (the codes stay in --json output).
MIGRATION_STATE_WORDS = {
    # TRANSLATORS: the state of the migration tool (a masculine noun in Russian: «инструмент»).
    "not started": N_("not started"), "running": N_("running"), "finished": N_("finished"),
    "failed": N_("failed"), "vanished": N_("gone (it ended without recording its exit status)"),
}


def migration_state_word(state: str) -> str:
    """The migration tool's state code in words of the current language."""
    word = MIGRATION_STATE_WORDS.get(state)
    return _(word) if word else state


@dataclass
class StepLine:
    id: str
    title: str
    status: StepStatus
    seconds: float | None
    point_of_no_return: bool


@dataclass
class MigrationStatus:
    state: str             # not started | running | finished | failed | vanished
    pid: int | None = None
    exit_code: int | None = None
    log: Path | None = None
    started: float | None = None   # epoch seconds the tool was started


@dataclass
class RunOverview:
    run: RunDir
    run_id: str
    runtime: str
    status: RunStatus
    steps: list[StepLine]
    migration: MigrationStatus
    holder: LockHolder | None      # who runs the steps now (None: nobody)
    last_error: str | None
    report: Path
    plan: Plan = field(repr=False)

    @property
    def current(self) -> bool:
        return self.run.path.name == "run"


def migration_status(run: RunDir) -> MigrationStatus:
    exit_file = run.migration_exit
    code = detached.read_exit(exit_file)
    proc = detached.read_state(exit_file)
    started = proc.started if proc else None
    if code is not None:
        return MigrationStatus("finished" if code == 0 else "failed", proc.pid if proc else None,
                               code, run.log, started)
    if proc is None:
        return MigrationStatus("not started")
    if detached.group_alive(proc):
        return MigrationStatus("running", proc.pid, None, run.log, started)
    return MigrationStatus("vanished", proc.pid, None, run.log, started)


def read_status(root: Path) -> RunOverview | None:
    for _attempt in range(5):
        run = find_run(root)
        if run is None:
            return None
        try:
            return _read_status(root, run)
        except FileNotFoundError:
            if run.path.exists():
                raise
            # The run finished and was archived while we read it: read it where it went.
    run = find_run(root)
    return _read_status(root, run) if run is not None else None


def _read_status(root: Path, run: RunDir) -> RunOverview:
    state = run.state()
    plan = load_plan(run.path)
    steps = [StepLine(s.id, step_title(s), state.step_status(s.id), state.durations.get(s.id),
                      s.point_of_no_return) for s in plan.steps]
    holder = read_holder(root) if is_locked(root) else None
    info = run.info()
    return RunOverview(run, info["run_id"], info.get("runtime", "?"), state.status, steps,
                     migration_status(run), holder, state.last_error, run.report, plan)


def migration_progress(status: RunOverview, runtime: Runtime) -> tuple[int, int] | None:
    """(objects in the new shards, objects in the old shards), None if the shards do not say."""
    urls = follow_urls(status.plan)
    if urls is None:
        return None
    new_urls, old_urls = urls
    try:
        done = sum(gallery_counts(runtime, list(new_urls), timeout=5).values())
        total = sum(gallery_counts(runtime, list(old_urls), timeout=5).values())
    except CountError:
        return None
    return done, total


def log_tail(status: RunOverview, lines: int = 10) -> str:
    return tail(status.run.log, lines)
