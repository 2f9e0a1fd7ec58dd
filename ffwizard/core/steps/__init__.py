"""The steps of a migration, one module each; `STEPS` is the only list of them, in order.

Adding a step: one module here with its `StepKind` subclass, and one line in `STEPS`.
"""

from __future__ import annotations

from typing import Any

from ffwizard.core.steps.add_new_shards import AddNewShards
from ffwizard.core.steps.backup import Backup
from ffwizard.core.steps.base import StepKind
from ffwizard.core.steps.count_arrivals import CountArrivals
from ffwizard.core.steps.create_shard_dirs import CreateShardDirs
from ffwizard.core.steps.migrate_clusters import MigrateClusters
from ffwizard.core.steps.pause_event_intake import PauseIntake
from ffwizard.core.steps.remove_old_shards import RemoveOldShards
from ffwizard.core.steps.resume_event_intake import ResumeIntake
from ffwizard.core.steps.run_migration import RunMigration
from ffwizard.core.steps.switch_model import SwitchModel
from ffwizard.core.steps.switch_sf_api import SwitchSfApi
from ffwizard.core.steps.verify_copy import VerifyCopy
from ffwizard.core.steps.verify_final import VerifyFinal
from ffwizard.core.steps.write_migration_config import WriteMigrationConfig
from ffwizard.i18n import _, pgettext

STEPS: tuple[StepKind[Any], ...] = (
    Backup(),
    CreateShardDirs(),
    PauseIntake(),
    SwitchModel(),
    AddNewShards(),
    WriteMigrationConfig(),
    RunMigration(),
    VerifyCopy(),
    CountArrivals(),
    RemoveOldShards(),
    SwitchSfApi(),
    ResumeIntake(),
    MigrateClusters(),
    VerifyFinal(),
)

_BY_ID: dict[str, StepKind[Any]] = {kind.id: kind for kind in STEPS}


def find_kind(step_id: object) -> StepKind[Any] | None:
    """The registered kind of a step id (None for an id ffwizard does not know)."""
    return _BY_ID.get(step_id) if isinstance(step_id, str) else None


def kind_of(step_id: str) -> StepKind[Any]:
    kind = _BY_ID.get(step_id)
    if kind is None:
        raise KeyError(f"unknown step {step_id!r}")
    return kind


SHORT_TITLE_WIDTH = 25


def step_title(step: object) -> str:
    """A step's title in the current language, by its id; `step.title` for an id we do not know.
    `step` is a Step or anything with `id` and `title` (a journal entry, a dict from JSON)."""
    if isinstance(step, dict):
        step_id, title = step.get("id"), step.get("title", "")
    else:
        step_id, title = getattr(step, "id", None), getattr(step, "title", "")
    kind = find_kind(step_id)
    return _(kind.title) if kind else (title or str(step_id or ""))


def step_short_title(step: object) -> str:
    """A step's name where room is short (the Run screen's list above the output, in columns):
    at most 25 characters."""
    step_id = step.get("id") if isinstance(step, dict) else getattr(step, "id", None)
    kind = find_kind(step_id)
    title = pgettext(*kind.short_title) if kind else step_title(step)
    return title if len(title) <= SHORT_TITLE_WIDTH else title[:SHORT_TITLE_WIDTH - 1] + "…"
