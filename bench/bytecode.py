"""The benchmarks run ffwizard as users do: from its compiled bytecode.

pip compiles a package's modules when it installs it, and the offline bundle ships them compiled;
an editable checkout run with PYTHONDONTWRITEBYTECODE=1 (as on the CI machines) compiles every
ffwizard module again in every process instead, ~0.1 s of CPU per process that users never pay
(and that the baselines, plain ruamel.yaml from site-packages, never pay either)."""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ffwizard"


def compile_ffwizard() -> None:
    """Write ffwizard's bytecode beside its sources (__pycache__, ignored by git)."""
    compileall.compile_dir(str(PACKAGE), quiet=1)
