"""What every step is made of: its parameters, its kind (how it is planned, checked, run, undone
and stopped), and the two contexts it is given — one while planning, one while running.

A step kind is one class in its own module of this package, registered once in
`ffwizard.core.steps.STEPS`; the executor walks that registry and never names a step.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import time
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from ffwizard.core import compose
from ffwizard.core.answers import Answers
from ffwizard.core.atomic import atomic_write_text, read_text_or_none
from ffwizard.core.backup import Backups
from ffwizard.core.errors import EditError, StepFailed, Stopped
from ffwizard.core.events import EventKind, JournalEvent
from ffwizard.core.installation import Installation, Problem, Shard
from ffwizard.core.intake import paused_services
from ffwizard.core.journal import RunDir, RunState
from ffwizard.core.plan import FileChange, Plan, Step, compose_base, shard_url
from ffwizard.core.ports import ExecResult, Runtime
from ffwizard.core.progress import ProgressSample
from ffwizard.core.replicas import replica_service_names
from ffwizard.core.settings import Settings
from ffwizard.core.toolprobe import ToolProbe
from ffwizard.core.wakeup import ExitWatch, StopFlag
from ffwizard.core.yamlio import read_yaml_file
from ffwizard.i18n import N_, _

# --- parameters --------------------------------------------------------------------------------

ParamsT = TypeVar("ParamsT", bound="StepParams")


@dataclass(frozen=True)
class StepParams:
    """A step's typed parameters: a frozen dataclass of JSON values (tuples for lists) that
    round-trips through plan.json (`from_json(p.to_json()) == p`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A docstring of its own before @dataclass sees the class: without one, dataclass
        # writes it from inspect.signature, ~0.1 ms for each step's class at every start.
        if cls.__doc__ is None:
            cls.__doc__ = f"The parameters of the step {cls.__name__.removesuffix('Params')}."

    def to_json(self) -> dict[str, Any]:
        return {f.name: _json_value(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls: type[ParamsT], data: Mapping[str, Any]) -> ParamsT:
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                values[f.name] = _from_json_value(hints[f.name], data[f.name])
        return cls(**values)


def _json_value(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def _from_json_value(hint: Any, value: Any) -> Any:
    if typing.get_origin(hint) is tuple and isinstance(value, list):
        args = typing.get_args(hint)
        inner = args[0] if args else Any
        return tuple(_from_json_value(inner, v) for v in value)
    return value


# --- planning ----------------------------------------------------------------------------------

@dataclass
class PlanContext:
    """What every step plans from; `problems` collects the files a step could not edit."""

    installation: Installation
    answers: Answers
    run_dir: Path
    new_shards: list[Shard]
    problems: list[Problem] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.installation.root

    @property
    def old_shards(self) -> list[Shard]:
        return list(self.installation.shards)

    @property
    def compose_command(self) -> list[str]:
        return compose_base(self.installation)

    @property
    def sf_api(self) -> str:
        return self.installation.sf_api_service

    @property
    def sf_container(self) -> str:
        return self.installation.container_name(self.installation.sf_api_service)

    @property
    def old_urls(self) -> tuple[str, ...]:
        return tuple(shard_url(s) for s in self.old_shards if s.http_port)

    @property
    def new_urls(self) -> tuple[str, ...]:
        return tuple(shard_url(s) for s in self.new_shards)

    @property
    def new_replica_urls(self) -> tuple[str, ...]:
        return tuple(shard_url(s.replica) for s in self.new_shards if s.replica)

    def change(self, path: Path, before: str | None, after: str, *, mode: int | None = None,
               secret: bool = False) -> FileChange:
        return FileChange(path=path, before=before, after=after, mode=mode, secret=secret,
                          root=self.root)

    @cached_property
    def compose_changes(self) -> tuple[FileChange, FileChange] | None:
        """The compose file with the new shard services added, then with the old ones removed:
        one document edited twice (by two steps). None when it cannot be edited (the problem
        is recorded once)."""
        inst = self.installation
        if inst.compose_file is None or not any(s.service for s in self.old_shards):
            return None  # no shard service to copy: detection has said why, once
        try:
            edited = compose.ComposeEdit(inst.compose_file, inst.compose_text,
                                         inst.compose_document)
            added = edited.add_shard_services(self.old_shards, self.new_shards)
            removed = edited.remove_services(replica_service_names(self.old_shards))
        except EditError as err:
            self.problems.append(err.problem)
            return None
        return (self.change(inst.compose_file, edited.original, added),
                self.change(inst.compose_file, added, removed))


# --- preflight ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Needs:
    """What a step needs from the installation before the run starts (checked by preflight)."""

    services: tuple[str, ...] = ()        # services that must exist and run
    healthy_shards: tuple[str, ...] = ()  # shard base URLs that must answer GET /v2/status
    free_dirs: tuple[str, ...] = ()       # directories that must be absent or empty
    room_for_old_shards: tuple[Path, ...] = ()  # where a copy of the old shards' data goes
    models_in: str | None = None          # the service the new models must be found in
    files_as_planned: bool = True         # its files must still read as when it was planned
    tools: tuple[ToolProbe, ...] = ()     # vendor tools that must offer the flags passed


# --- running -----------------------------------------------------------------------------------

# Health checks after a restart: the first retry soon, then twice as long each time, up to the cap.
HEALTH_FIRST_RETRY = 0.05
HEALTH_RETRY_CAP = 1.0

# What `StepContext.wait_http` waits for, each in a whole sentence.
NO_ANSWER = {
    "extraction": N_("the extraction service did not answer at {url} within {seconds} s "
                     "({why}); check its logs, then 'ffwizard resume' or 'ffwizard rollback'."),
    "shard": N_("a new shard did not answer at {url} within {seconds} s ({why}); check its "
                "logs, then 'ffwizard resume' or 'ffwizard rollback'."),
    "old shard": N_("an old shard did not answer at {url} within {seconds} s ({why}); check "
                    "its logs, then 'ffwizard resume' or 'ffwizard rollback'."),
    "sf-api": N_("sf-api did not answer at {url} within {seconds} s ({why}); check its logs, "
                 "then 'ffwizard resume' or 'ffwizard rollback'."),
}


@dataclass(frozen=True)
class Event:
    """What happened (see EventKind), for the front end."""

    kind: EventKind
    step: str | None = None
    text: str = ""
    index: int | None = None      # 1-based position of `step` in the plan
    total: int | None = None      # number of steps
    progress: ProgressSample | None = None


class StepContext:
    """What a running step is given: the run directory (journal, backups), the runtime, the
    settings, and the helpers every step shares (events, failpoints, stopping, file writes,
    commands, waiting for a service)."""

    def __init__(self, run_dir: RunDir, plan: Plan, runtime: Runtime, settings: Settings,
                 on_event: Callable[[Event], None]) -> None:
        self.run_dir = run_dir
        self.plan = plan
        self.runtime = runtime
        self.settings = settings
        self.on_event = on_event
        self.backups = Backups(run_dir.path, plan.root)
        self.stop_requested = StopFlag()

    @property
    def state(self) -> RunState:
        return self.run_dir.state()

    def journal(self, event: JournalEvent, **fields: Any) -> None:
        self.run_dir.journal.append(event, **fields)

    def emit(self, kind: EventKind, step: str | None = None, text: str = "", *,
             progress: ProgressSample | None = None) -> None:
        index = total = None
        if step is not None and self.plan.has(step):
            index = self.plan.index(step)
            total = len(self.plan.steps)
        self.on_event(Event(kind, step, text, index, total, progress))

    def point(self, step: str, point: str, *, journal: bool = True) -> None:
        """A named moment inside a step: journaled, and where tests may kill us."""
        if journal:
            self.journal(JournalEvent.STEP_POINT, step=step, point=point)
        name = f"{step}:{point}"
        trace = self.settings.test_points_file
        if trace:
            with open(trace, "a") as handle:
                handle.write(name + "\n")
        if self.settings.test_kill_at == name:
            os.kill(os.getpid(), signal.SIGKILL)

    def data(self, step: str, **data: Any) -> None:
        """Record facts of a step in the journal (`state.data[step]`)."""
        self.journal(JournalEvent.STEP_DATA, step=step, data=data)

    def check_stop(self) -> None:
        if self.stop_requested.is_set():
            raise Stopped()

    def sleep(self, seconds: float, *, until: ExitWatch | None = None) -> None:
        """Wait `seconds` (less once `until` sees its tool end); Stopped on a stop request."""
        if until is None:
            stopped = self.stop_requested.wait(seconds)
        else:
            until.wait(seconds, self.stop_requested)
            stopped = self.stop_requested.is_set()
        if stopped:
            raise Stopped()

    def write_changes(self, step: Step[Any]) -> bool:
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
            self.point(step.id, "backed_up")
            atomic_write_text(change.path, change.after, mode=change.mode)
            self.point(step.id, "written")
            wrote = True
        return wrote

    def write_befores(self, step: Step[Any]) -> bool:
        """Put the step's files back to what they were before the step (backed up first, like
        every write). True if a file had to change."""
        changed = False
        for change in step.changes:
            if change.before is None or read_text_or_none(change.path) == change.before:
                continue
            self.backups.ensure(change.path)
            atomic_write_text(change.path, change.before, mode=change.mode)
            self.emit(EventKind.OUTPUT, step.id,
                      _("{path}: put back as before this step").format(path=change.path))
            changed = True
        return changed

    def restore(self, step: Step[Any]) -> bool:
        """Restore the step's files from the backups. True if a file had to change."""
        changed = False
        for change in step.changes:
            if self.backups.has(change.path):
                before = read_text_or_none(change.path)
                message = self.backups.restore(change.path)
                self.emit(EventKind.OUTPUT, step.id, message)
                changed = changed or read_text_or_none(change.path) != before
        return changed

    def exec(self, step: Step[Any], service: str, argv: list[str], *,
             workdir: str | None = None) -> ExecResult:
        self.emit(EventKind.OUTPUT, step.id, "$ " + " ".join(argv))
        result = self.runtime.exec(service, argv, workdir=workdir)
        lines = result.output.splitlines()[-self.settings.log_tail_lines:]
        for line in lines:
            self.emit(EventKind.OUTPUT, step.id, line)
        if result.exit_code != 0:
            raise StepFailed(_("'{command}' in {service} ended with status {code}.\nIts last "
                               "output:\n{output}").format(command=" ".join(argv),
                                                           service=service,
                                                           code=result.exit_code,
                                                           output="\n".join(lines)))
        return result

    def wait_http(self, url: str, what: str, *, any_answer: bool = False) -> None:
        """Wait until `url` answers 200 (any answer with `any_answer`); `what`: a NO_ANSWER key."""
        deadline = time.monotonic() + self.settings.health_timeout
        pause = HEALTH_FIRST_RETRY  # most services answer within moments of a restart
        while True:
            answer = self.runtime.http_get(url, timeout=5)
            if answer.status == 200 or (any_answer and answer.answered):
                return
            if time.monotonic() > deadline:
                raise StepFailed(_(NO_ANSWER[what]).format(
                    url=url, seconds=f"{self.settings.health_timeout:.0f}",
                    why=answer.error or f"HTTP {answer.status}"))
            self.sleep(min(pause, deadline - time.monotonic() + 0.01))
            pause = min(pause * 2, HEALTH_RETRY_CAP, self.settings.poll_interval)

    def compose_up(self, step: Step[Any], *, remove_orphans: bool = False) -> None:
        services = self._services_to_up()
        result = self.runtime.compose_up(remove_orphans=remove_orphans, services=services)
        for line in result.output.splitlines()[-self.settings.log_tail_lines:]:
            self.emit(EventKind.OUTPUT, step.id, line)
        if result.exit_code != 0:
            raise StepFailed(_("compose up ended with status {code}: {output}").format(
                code=result.exit_code, output=result.output.strip()[-500:]))


    def _services_to_up(self) -> list[str] | None:
        """While the run holds event intake paused, `compose up` names every service of the
        compose file but the paused ones (a bare `up -d` would start them again); else None."""
        paused = paused_services(self.plan, self.state)
        if not paused:
            return None
        data = read_yaml_file(self.runtime.compose_file)
        services = data.get("services") if isinstance(data, dict) else None
        return [str(name) for name in (services if isinstance(services, dict) else {})
                if name not in paused]


# --- the kind of a step ------------------------------------------------------------------------

class StepKind(Generic[ParamsT]):
    """One step: its id, words, parameters, and how it is planned, checked, run and undone.

    Subclasses set the class attributes and implement `plan` and `run` (and `undo` when there
    is something to undo); `needs` says what preflight checks for it."""

    id: ClassVar[str]
    title: ClassVar[str]                    # N_-marked; shown translated (`step_title`)
    short_title: ClassVar[tuple[str, str]]  # NP_("step list", ...): 25 characters at most
    params_type: type[ParamsT]
    # What stopping means during this step (N_-marked; None: the general sentence).
    stop_meaning: ClassVar[str | None] = None
    # Whether a tool of this step outlives ffwizard and can be stopped on request.
    stops_a_tool: ClassVar[bool] = False
    # Whether retrying after this step failed re-runs the migration into emptied shards.
    retry_reruns_migration: ClassVar[bool] = False
    # Whether the question of the point of no return is asked before this step, when it comes
    # right before the point of no return (the two then run back to back).
    confirmed_with_next: ClassVar[bool] = False

    def make(self, *, explanation: str, params: ParamsT, commands: list[list[str]] | None = None,
             changes: list[FileChange] | None = None, reversible: bool = True, undo: str = "",
             point_of_no_return: bool = False) -> Step[ParamsT]:
        """The planned step of this kind, titled in the current language."""
        return Step(id=self.id, title=_(self.title), explanation=explanation,
                    commands=commands or [], changes=changes or [], reversible=reversible,
                    undo=undo, params=params, point_of_no_return=point_of_no_return, kind=self)

    def plan(self, ctx: PlanContext) -> Step[ParamsT] | None:
        """The planned step, or None when the plan goes without it."""
        raise NotImplementedError

    def needs(self, step: Step[ParamsT], plan: Plan) -> Needs:
        return Needs()

    def run(self, step: Step[ParamsT], ctx: StepContext) -> None:
        """Do the step. Idempotent: a run killed anywhere in it runs it again."""
        raise NotImplementedError

    def undo(self, step: Step[ParamsT], ctx: StepContext) -> None:
        """Undo what the step did (rollback, before the point of no return)."""

    # Whether the step can bring back by itself what it stopped, should it or a later step fail
    # before sf-api serves the new shards (see `heal`).
    heals: ClassVar[bool] = False

    def heal(self, step: Step[ParamsT], ctx: StepContext) -> None:
        """Put back what the step changed so that sf-api serves the old shards again, after a
        failure at or after it and before the point of no return is done. The executor then
        resets the step: `resume` runs it again. Called in plan order."""

    def past_no_return(self, step: Step[ParamsT], ctx: StepContext) -> str:
        """Why rollback refuses once this step, the point of no return, has begun: one true
        sentence about where the installation is, and what to do."""
        return _("the run is past the point of no return ('{step}'), so ffwizard cannot undo "
                 "it. Finish with 'ffwizard resume'. The old shard data directories are still on "
                 "disk.").format(step=step.title)

    def stop_tool(self, step: Step[ParamsT], ctx: StepContext) -> bool:
        """Stop the step's tool that outlives ffwizard (see `stops_a_tool`); True if one was."""
        return False
