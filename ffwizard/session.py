"""The application layer: what both front ends (the commands and the wizard) do with the core.

Open an installation with its runtime, list the models the extraction service offers, resolve
answers into a plan, check it (preflight), start a run, reopen the current one. The commands
keep only their arguments and printing, the screens only their questions and display; neither
calls the core pipeline piece by piece.

No Textual and no printing here (an import contract says so): results are returned, problems
raised as `UserError` with the user's sentence. `settings` (read from the environment once, at
the edge) comes in as an argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ffwizard.core.answers import Answers, resolve_answers
from ffwizard.core.atomic import atomic_write_text
from ffwizard.core.detect import detect
from ffwizard.core.errors import RunExists, UserError
from ffwizard.core.installation import Installation, Problem
from ffwizard.core.journal import RunDir, current_run_dir, find_run
from ffwizard.core.plan import Plan
from ffwizard.core.planner import build_plan, load_plan
from ffwizard.core.ports import Runtime, ServiceState
from ffwizard.core.reextract import Reextract, measured_rate
from ffwizard.core.reextract import objects_to_reextract as count_old_objects
from ffwizard.core.settings import Settings
from ffwizard.core.shards import host_port_in_use
from ffwizard.demo import is_sandbox
from ffwizard.i18n import _
from ffwizard.runtime import open_runtime, open_runtime_for

if TYPE_CHECKING:
    from ffwizard.core.executor import Executor
    from ffwizard.core.lock import InstallLock
    from ffwizard.core.preflight import Check

# `plan` (detect, answer, plan, count) needs none of what checks a plan, runs it or locks the
# installation: those modules (the executor, preflight, the lock) are imported by the functions
# that use them, so that `ffwizard plan` does not load them (~15 ms of its ~150 ms).
# ffwizard.runtime itself is light: each runtime's module is imported when one is opened.

__all__ = [
    "OpenInstallation", "Survey", "available_models", "current_run", "default_runtime_kind",
    "detect_installation", "ensure_no_run", "finished_run", "last_run", "lock", "make_plan",
    "objects_to_reextract", "open_installation", "preflight", "proposal", "reopen_run",
    "require_runnable", "runtime_for_run", "start_run", "survey",
]

# What the executor reports (an Event) and asks (confirm a step) while it runs.
OnEvent = Callable[[Any], None]
Confirm = Callable[[Any], bool]


@dataclass(frozen=True)
class OpenInstallation:
    """A detected installation and the runtime of its services, as that runtime sees it."""

    installation: Installation
    runtime: Runtime


@dataclass(frozen=True)
class Survey:
    """What the wizard's Installation screen shows, gathered once per install root."""

    installation: Installation
    runtime: Runtime
    services: dict[str, ServiceState]
    available_models: list[str] | None
    checks: list[Check]  # preflight of the proposed plan
    proposal_problems: list[Problem]
    proposal: Answers


# --- the installation and its runtime ----------------------------------------------------------

def default_runtime_kind(root: Path) -> str:
    """sim for a demo sandbox, docker otherwise."""
    return "sim" if is_sandbox(root) else "docker"


def detect_installation(root: Path) -> Installation:
    """The installation at `root`; raises UserError with the one sentence that says what the root
    holds instead when it is not one."""
    installation = detect(root)
    if installation.compose_file is None:
        raise UserError(installation.problems[0].message)
    return installation


def open_installation(root: Path, kind: str | None = None, *,
                      runtime: Runtime | None = None,
                      installation: Installation | None = None) -> OpenInstallation:
    """Detect the installation at `root` (unless given) and open its runtime (`kind` None: the
    default for the root; `runtime`: one already open)."""
    detected = installation if installation is not None else detect_installation(root)
    opened, seen = open_runtime_for(detected, kind or default_runtime_kind(root), runtime)
    return OpenInstallation(seen, opened)


def available_models(opened: OpenInstallation) -> list[str] | None:
    """The model files the extraction service offers (None when it cannot be asked)."""
    installation = opened.installation
    try:
        return opened.runtime.list_files(installation.extraction_api_service,
                                         installation.models_root, ".fnk")
    except (UserError, OSError):
        return None


# --- answers and the plan ----------------------------------------------------------------------

def make_plan(installation: Installation, raw_answers: dict[str, Any] | None,
              available: list[str] | None, *, source: str | None) -> Plan:
    """The raw answers checked and completed with proposals, and the plan they make (with the
    problems found). `source` names the answers in messages (None: no file)."""
    answers, problems = resolve_answers(installation, raw_answers, available, source=source,
                                        port_in_use=host_port_in_use)
    return build_plan(installation, answers, problems=problems)


def proposal(installation: Installation,
             available: list[str] | None) -> tuple[Answers, list[Problem]]:
    """The proposed answers (and their problems) when nothing is given."""
    return resolve_answers(installation, {}, available, source="proposal",
                           port_in_use=host_port_in_use)


def objects_to_reextract(installation: Installation, http: Any) -> Reextract:
    """The objects of the old shards per gallery (read-only: one GET of each shard's gallery
    list through `http`, anything with the runtime's `http_get`) and the copy rate an earlier run
    measured here: the scale of the window and how long it lasts. Blocks for up to a few seconds
    per shard that does not answer: call it off the UI thread."""
    counts, why = count_old_objects(http, installation)
    return Reextract(counts, why, measured_rate(installation.root))


def require_runnable(plan: Plan) -> None:
    """Raise UserError listing the errors when a problem blocks the plan."""
    if plan.blocked:
        errors = [p for p in plan.problems if p.severity == "error"]
        raise UserError(_("the plan cannot run; nothing was changed:") + "\n"
                        + "\n".join(f"  - {p}" for p in errors))


def preflight(plan: Plan, runtime: Runtime, *,
              settings: Settings | None = None) -> list[Check]:
    """Every preflight check of the plan, passed or not (nothing raised for a failed one)."""
    from ffwizard.core.preflight import run_preflight  # lazy: preflight only when checking

    return run_preflight(plan, runtime, settings or Settings())


def survey(root: Path, kind: str, *, runtime: Runtime | None = None,
           settings: Settings | None = None) -> Survey:
    """Detection, service states, available models, the default proposal and its preflight:
    everything the wizard shows before asking anything."""
    from ffwizard.core.preflight import Check  # lazy: preflight only when checking

    if not root.is_dir():
        raise UserError(_("there is no directory {path}. Give the install root (the directory "
                          "holding docker-compose.yaml).").format(path=root))
    detected = detect(root)
    if detected.compose_file is None:
        blocking = "; ".join(p.message for p in detected.blocking) or _("no compose file")
        raise UserError(_("no FindFace Multi installation found at {path}: {problems}").format(
            path=root, problems=blocking))
    opened = open_installation(root, kind, runtime=runtime, installation=detected)
    services = opened.runtime.services()  # an engine that does not answer says so itself
    available = available_models(opened)
    answers, problems = proposal(opened.installation, available)
    plan = build_plan(opened.installation, answers, problems=problems)
    try:
        checks = preflight(plan, opened.runtime, settings=settings)
    except UserError as err:
        checks = [Check("runtime", False, str(err))]
    return Survey(opened.installation, opened.runtime, services, available, checks, problems,
                  answers)


# --- runs ----------------------------------------------------------------------------------------

def lock(root: Path, command: str) -> InstallLock:
    """The installation's lock (`with session.lock(root, "apply") as held:`); raises LockHeld
    naming the holder. `held.took_over` tells of a stale lock taken over."""
    from ffwizard.core.lock import InstallLock  # lazy: the lock only for a run

    return InstallLock(root, command)


def current_run(root: Path) -> RunDir | None:
    """The run under way (or cut short) at `root`, or None."""
    run_dir = RunDir(current_run_dir(root))
    return run_dir if (run_dir.path / "run.json").exists() else None


def finished_run(root: Path) -> Path | None:
    """The newest archived run's directory if it finished (what the wizard shows on start)."""
    run = find_run(root)
    if run is None or run.path.parent.name != "runs" or run.state().status != "done":
        return None
    return run.path


def last_run(root: Path) -> RunDir | None:
    """The current run, else the newest archived one, else None."""
    return find_run(root)


def ensure_no_run(root: Path) -> None:
    """Raise RunExists when a run is already under way at `root` (LockHeld naming the holder
    when a process holds it now)."""
    from ffwizard.core.lock import refuse_if_held  # lazy: the lock only for a run

    if current_run(root) is not None:
        refuse_if_held(root)
        raise RunExists(_("a migration run is already under way here; continue it with "
                          "'ffwizard resume --root {root}' or undo it with 'ffwizard rollback "
                          "--root {root}'.").format(root=root))


def runtime_for_run(root: Path, run_dir: RunDir) -> Runtime:
    """The runtime the run was started with (recorded in run.json), for the same project."""
    kind = run_dir.info()["runtime"]
    summary = load_plan(run_dir.path).summary
    compose_file = Path(summary.compose_file or Path(root) / "docker-compose.yaml")
    return open_runtime(kind, Path(root), summary.project, compose_file)


def start_run(root: Path, plan: Plan, runtime: Runtime, *, on_event: OnEvent,
              confirm: Confirm | None = None, settings: Settings | None = None,
              on_checks: Callable[[list[Check]], None] | None = None) -> Executor:
    """Check the plan (preflight; PreflightFailed when a check fails, nothing changed) and start
    its run; call under `lock(root, ...)`. `on_checks` hears the checks that passed."""
    # lazy: the executor and preflight only to run
    from ffwizard.core.executor import Executor
    from ffwizard.core.preflight import require_preflight

    settings = settings or Settings()
    checks = require_preflight(plan, runtime, settings)
    if on_checks is not None:
        on_checks(checks)
    executor = Executor.start(root, plan, runtime, settings=settings, on_event=on_event,
                              confirm=confirm)
    keep_probe_outputs(executor.run_dir.path, checks)
    return executor


def keep_probe_outputs(run_dir: Path, checks: list[Check]) -> None:
    """What the vendor tools printed when preflight asked them, kept in `run_dir/tools/`."""
    for check in checks:
        for name, text in check.outputs:
            (run_dir / "tools").mkdir(parents=True, exist_ok=True)
            atomic_write_text(run_dir / "tools" / name, text)


def reopen_run(root: Path, runtime: Runtime | None = None, *, on_event: OnEvent,
               confirm: Confirm | None = None, settings: Settings | None = None,
               ping: bool = True) -> Executor:
    """The executor of the current run, to continue or roll it back; call under `lock`.
    `runtime` None: the one the run was started with (asked to answer first when `ping`)."""
    from ffwizard.core.executor import Executor  # lazy: the executor only to run

    if runtime is None:
        run_dir = current_run(root) or find_run(root)
        if run_dir is None:
            raise UserError(_("there is no migration run to continue at {root}; start one "
                              "with 'ffwizard apply'.").format(root=root))
        runtime = runtime_for_run(root, run_dir)
        if ping:
            runtime.ping()
    return Executor.open(root, runtime, settings=settings or Settings(), on_event=on_event,
                         confirm=confirm)

