"""The wizard's state: one object the screens share, and the blocking work they start.

The functions here run in thread workers (they talk to the runtime and the disk); they return
plain data and never touch a widget. The core does the real work: this module only gathers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ffwizard.core.errors import UserError
from ffwizard.i18n import _
from ffwizard.core.installation import MODEL_CATEGORY, OBJECT_TYPES, Installation, Problem



@dataclass
class Detection:
    """What the Installation screen shows; gathered once per install root."""

    installation: Installation
    services: dict  # service name -> ServiceState
    available_models: list[str] | None
    checks: list  # preflight Check list (of the proposed plan)
    proposal_problems: list[Problem]


@dataclass
class WizardState:
    root: Path
    runtime_kind: str  # "docker" | "sim"
    demo: bool = False
    runtime: object | None = None
    detection: Detection | None = None
    # The answers as the screens edit them (answers-file form, see ffwizard.core.answers).
    answers: dict = field(default_factory=dict)
    plan: object | None = None  # ffwizard.core.plan.Plan of the current answers
    # Snapshot tests: show no run ids or timings (they change from run to run).
    frozen: bool = False

    @property
    def installation(self) -> Installation | None:
        return self.detection.installation if self.detection else None

    # --- display helpers ------------------------------------------------------------------
    def show_path(self, path: Path | str | None) -> str:
        if path is None:
            return "?"
        text = str(path)
        if self.frozen:
            text = re.sub(r"(\.ffwizard/runs/)[^/]+", r"\1<run-id>", text)
        return text

    def configured_types(self) -> list[str]:
        inst = self.installation
        return [t for t in OBJECT_TYPES if inst and inst.models.get(t)]

    def models_for(self, kind: str) -> list[str]:
        """The extraction service's model files for `kind` that this device loads."""
        inst = self.installation
        available = (self.detection.available_models if self.detection else None) or []
        category = MODEL_CATEGORY[kind]
        device = inst.device if inst else "gpu"
        return [m for m in available
                if m.startswith(category + "/") and m.endswith(f".{device}.fnk")]


def detect_installation(state: WizardState) -> Detection:
    """Detection, service states, available models, the default proposal and its preflight."""
    from ffwizard.core.answers import resolve_answers
    from ffwizard.core.detect import detect
    from ffwizard.core.plan import build_plan
    from ffwizard.core.preflight import run_preflight
    from ffwizard.core.settings import Settings

    root = state.root
    if not root.is_dir():
        raise UserError(_("there is no directory {path}. Give the install root (the directory "
                          "holding docker-compose.yaml).").format(path=root))
    installation = detect(root)
    if installation.compose_file is None:
        problems = "; ".join(p.message for p in installation.blocking) or _("no compose file")
        raise UserError(_("no FindFace Multi installation found at {path}: {problems}").format(
            path=root, problems=problems))
    from ffwizard.runtime import open_runtime_for

    runtime = open_runtime_for(installation, state.runtime_kind, state.runtime)
    state.runtime = runtime
    services = runtime.services()  # an engine that does not answer says so in its own words
    try:
        available = runtime.list_files(installation.extraction_api_service,
                                       installation.models_root, ".fnk")
    except (UserError, OSError):
        available = None
    answers, problems = resolve_answers(installation, {}, available, source="proposal")
    plan = build_plan(installation, answers, problems=problems)
    try:
        checks = run_preflight(plan, runtime, Settings.from_environ())
    except UserError as err:
        checks = [_failed_check(str(err))]
    return Detection(installation, services, available, checks, problems)


def _failed_check(message: str):
    from ffwizard.core.preflight import Check

    return Check("runtime", False, message)


def default_answers(detection: Detection) -> dict:
    """The proposal, in answers-file form: what the screens start from."""
    from ffwizard.core.answers import resolve_answers

    answers, _problems = resolve_answers(detection.installation, {}, detection.available_models,
                                         source="proposal")
    return answers.to_dict()


def build_wizard_plan(state: WizardState):
    """The plan of the current answers (with the problems they have)."""
    from ffwizard.core.answers import resolve_answers
    from ffwizard.core.plan import build_plan

    detection = state.detection
    answers, problems = resolve_answers(detection.installation, state.answers,
                                        detection.available_models, source="wizard")
    return build_plan(detection.installation, answers, problems=problems)


def free_space(path: Path) -> int | None:
    """Free bytes on the file system that would hold `path` (its nearest existing parent)."""
    from ffwizard.core.preflight import disk_free
    from ffwizard.core.settings import Settings

    try:
        return disk_free(Path(path), Settings.from_environ())
    except OSError:
        return None


def existing_run(root: Path):
    """The run ffwizard should show on start: one under way, or None."""
    from ffwizard.core.journal import current_run_dir

    current = current_run_dir(root)
    if (current / "run.json").exists():
        return current
    return None


def finished_run(root: Path):
    """The newest archived run if it finished (its Done screen is what to show on start)."""
    from ffwizard.core.journal import find_run

    run = find_run(root)
    if run is None or run.path.parent.name != "runs" or run.state().status != "done":
        return None
    return run.path


def human_bytes(n: int | None) -> str:
    if n is None:
        return _("unknown")
    from ffwizard.core.preflight import human_bytes as core_human_bytes

    return core_human_bytes(n)
