from __future__ import annotations

import os
from pathlib import Path

from install_fixtures import plan_of
from step_helpers import Harness


def test_the_settings_file_is_private_copied_in_and_removed_on_undo(gpu8):
    plan = plan_of(gpu8)
    step = plan.step("write_migration_config")
    path = Path(step.params.host_path)
    h = Harness(plan)
    h.run_step("write_migration_config")
    assert path.read_text() == step.changes[0].after
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert h.calls("copy_in") == [("copy_in", step.params.service, path, "/")]
    h.undo_step("write_migration_config")
    assert not path.exists()
