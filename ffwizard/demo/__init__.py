"""The simulated FindFace installation: sandbox generator and simulated services (no Textual).

The demo's programs and sandboxes depend on nothing above them: the sim runtime
(`ffwizard.runtime.sim`) runs them, and its `prepare_demo` / `stop_demo` build, start and stop a
sandbox for the rest of ffwizard.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_SHARDS = 8
DEFAULT_OBJECTS = 4000
DEFAULT_DEVICE = "gpu"
DEFAULT_TYPES = ("face", "body", "car")
DEFAULT_EVENTS_PER_SECOND = 2.0  # a live site in the demo: the video worker adds events
# The default demo's copy should last long enough to watch its rate and time left: the simulated
# migration tool is paced (FFSIM_PACE) to copy the demo's objects in about this many seconds.
DEMO_COPY_SECONDS = 60


def demo_pace(objects: int) -> int:
    """Objects per second for a copy of `objects` lasting about DEMO_COPY_SECONDS."""
    return max(1, round(objects / DEMO_COPY_SECONDS))


# Here, not in `sandbox` (whose import brings the demo's programs, ~10 ms): `session` asks every
# root whether it is a sandbox, and every command's parser lists the shapes.
SIM_DIR = ".sim"
MARKER = Path(SIM_DIR) / "sandbox.json"

# The names of `shapes.SHAPES`, in its order (a test keeps the two the same).
SHAPE_NAMES = ("vendor", "direct-model", "crlf", "symlinked-configs", "systemd-era-model",
               "multi-2.0", "distributed", "replicas", "replicas-remote", "one-port",
               "one-port-replicas", "renamed-project")


def is_sandbox(root: Path) -> bool:
    return (Path(root) / MARKER).is_file()
