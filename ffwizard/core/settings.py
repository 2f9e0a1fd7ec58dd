"""Every knob of ffwizard in one frozen object, read from the environment once, at the edge.

The entry points (`ffwizard.cli`, the wizard's app factory) call `Settings.from_environ()` and
pass the object in; nothing below them reads `os.environ` for ffwizard's own settings. (The
simulated services of the demo are separate programs configured by their own environment, as
real containers are: their `FFSIM_*` knobs are not settings of ffwizard.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_ROOT = Path("/opt/findface-multi")

# Each field below that the environment can set: its variable and how its text is read.
ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    "poll_interval": ("FFWIZARD_POLL_INTERVAL", float),
    "health_timeout": ("FFWIZARD_HEALTH_TIMEOUT", float),
    "stall_seconds": ("FFWIZARD_STALL_SECONDS", float),
    "test_kill_at": ("FFWIZARD_TEST_KILL_AT", str),
    "test_points_file": ("FFWIZARD_TEST_POINTS_FILE", Path),
    "test_disk_free_bytes": ("FFWIZARD_TEST_DISK_FREE_BYTES", int),
    "test_mem_available_bytes": ("FFWIZARD_TEST_MEM_AVAILABLE_BYTES", int),
}


@dataclass(frozen=True)
class Settings:
    """ffwizard's knobs (each with its environment variable in ENVIRONMENT)."""

    default_root: Path = DEFAULT_ROOT
    poll_interval: float = 2.0        # seconds between progress samples of the migration
    health_timeout: float = 600.0     # patience for a restarted service (GPU model caches)
    log_tail_lines: int = 20          # lines of a tool's output quoted in a failure
    stall_seconds: float = 300.0      # a copy without a new object this long is "stalled"
    # Test failpoints: "<step>:<point>" where the executor SIGKILLs itself, and a file that
    # records every point passed (to enumerate them). Never set in production.
    test_kill_at: str | None = None
    test_points_file: Path | None = None
    # Overrides of what preflight reads from the machine (tests of the disk/memory checks).
    test_disk_free_bytes: int | None = None
    test_mem_available_bytes: int | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The defaults, overridden by each variable of ENVIRONMENT that is set and not empty.
        A value that does not parse raises ValueError naming the variable."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, (variable, parse) in ENVIRONMENT.items():
            text = environ.get(variable, "").strip()
            if not text:
                continue
            try:
                values[name] = parse(text)
            except ValueError:
                raise ValueError(f"{variable}={text!r} is not a valid value") from None
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
