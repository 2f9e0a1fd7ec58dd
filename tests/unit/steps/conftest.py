"""The steps' own tests: each step planned on a fixture installation, run and undone against a
small fake runtime (tests/unit/steps/step_helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # install_fixtures


@pytest.fixture
def gpu8(tmp_path):
    from install_fixtures import copy_install

    return copy_install("gpu8", tmp_path)
