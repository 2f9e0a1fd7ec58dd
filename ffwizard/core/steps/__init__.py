"""The steps of a migration, one module each; `STEPS` is the only list of them, in order.

Adding a step: one module here with its `StepKind` subclass, and one line in `STEPS`.
"""

from __future__ import annotations

from typing import Any

from ffwizard.core.steps.add_new_shards import AddNewShards
from ffwizard.core.steps.backup import Backup
from ffwizard.core.steps.base import StepKind
from ffwizard.core.steps.create_shard_dirs import CreateShardDirs
from ffwizard.core.steps.migrate_clusters import MigrateClusters
from ffwizard.core.steps.remove_old_shards import RemoveOldShards
from ffwizard.core.steps.run_migration import RunMigration
from ffwizard.core.steps.switch_model import SwitchModel
from ffwizard.core.steps.switch_sf_api import SwitchSfApi
from ffwizard.core.steps.verify_copy import VerifyCopy
from ffwizard.core.steps.verify_final import VerifyFinal
from ffwizard.core.steps.write_migration_config import WriteMigrationConfig

STEPS: tuple[StepKind[Any], ...] = (
    Backup(),
    CreateShardDirs(),
    SwitchModel(),
    AddNewShards(),
    WriteMigrationConfig(),
    RunMigration(),
    VerifyCopy(),
    RemoveOldShards(),
    SwitchSfApi(),
    MigrateClusters(),
    VerifyFinal(),
)

_BY_ID: dict[str, StepKind[Any]] = {kind.id: kind for kind in STEPS}


def find_kind(step_id: str | None) -> StepKind[Any] | None:
    """The registered kind of a step id (None for an id ffwizard does not know)."""
    return _BY_ID.get(step_id) if step_id is not None else None


def kind_of(step_id: str) -> StepKind[Any]:
    kind = _BY_ID.get(step_id)
    if kind is None:
        raise KeyError(f"unknown step {step_id!r}")
    return kind
