"""The wizard's state: one object the screens share, and the blocking work they start.

The functions here run in thread workers; they return plain data and never touch a widget.
The work itself is the application layer's (`ffwizard.session`): this module only hands it
the wizard's state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ffwizard import session
from ffwizard.core.installation import MODEL_CATEGORY, OBJECT_TYPES, Installation
from ffwizard.core.plan import Plan
from ffwizard.core.ports import Runtime
from ffwizard.core.preflight import disk_free
from ffwizard.core.preflight import human_bytes as core_human_bytes
from ffwizard.core.reextract import Reextract
from ffwizard.core.settings import Settings
from ffwizard.i18n import _

# What the Installation screen shows (gathered once per install root).
Detection = session.Survey


@dataclass
class WizardState:
    root: Path
    runtime_kind: str  # "docker" | "sim"
    demo: bool = False
    runtime: Runtime | None = None
    detection: Detection | None = None
    # The answers as the screens edit them (answers-file form, see ffwizard.core.answers).
    answers: dict = field(default_factory=dict)
    plan: Plan | None = None  # the plan of the current answers
    # Snapshot tests: show no run ids or timings (they change from run to run).
    frozen: bool = False
    # Read from the environment once, by the app factory.
    settings: Settings = field(default_factory=Settings)

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
    survey = session.survey(state.root, state.runtime_kind, runtime=state.runtime,
                            settings=state.settings)
    state.runtime = survey.runtime
    return survey


def default_answers(detection: Detection) -> dict:
    """The proposal, in answers-file form: what the screens start from."""
    return detection.proposal.to_dict()


def build_wizard_plan(state: WizardState) -> Plan:
    """The plan of the current answers (with the problems they have)."""
    detection = state.detection
    return session.make_plan(detection.installation, state.answers,
                             detection.available_models, source="wizard")


def objects_to_reextract(state: WizardState) -> Reextract:
    """The old shards' objects per gallery, read through the wizard's runtime (read-only), and
    the copy rate an earlier run measured here. Blocks on the shards: run it in a worker."""
    installation = state.installation
    if installation is None or state.runtime is None:
        return Reextract(None, _("the installation is not detected yet"), None)
    return session.objects_to_reextract(installation, state.runtime)


def free_space(path: Path, settings: Settings) -> int | None:
    """Free bytes on the file system that would hold `path` (its nearest existing parent)."""
    try:
        return disk_free(Path(path), settings)
    except OSError:
        return None


def existing_run(root: Path) -> Path | None:
    """The run ffwizard should show on start: one under way, or None."""
    run = session.current_run(root)
    return run.path if run is not None else None


def finished_run(root: Path) -> Path | None:
    """The newest archived run if it finished (its Done screen is what to show on start)."""
    return session.finished_run(root)


def human_bytes(n: int | None) -> str:
    if n is None:
        return _("unknown")
    return core_human_bytes(n)
