"""open_runtime_for: the plan shows the compose command the runtime sees managing the project,
on a copy of the detected installation (which is never changed)."""

from dataclasses import replace
from pathlib import Path

from ffwizard.core.detect import detect
from ffwizard.runtime import open_runtime_for
from ffwizard.runtime.sim import SimRuntime

FIXTURES = Path(__file__).parent.parent / "fixtures" / "installs"


class ComposeV1Runtime(SimRuntime):
    def compose_command_in_use(self):
        return ["docker-compose"]


def test_the_runtime_s_compose_command_replaces_the_guess(tmp_path):
    detected = replace(detect(FIXTURES / "gpu8"), compose_command=["docker", "compose"])
    runtime = ComposeV1Runtime(detected.root, detected.project, detected.compose_file)
    opened, installation = open_runtime_for(detected, "sim", runtime)
    assert opened is runtime
    assert installation.compose_command == ["docker-compose"]
    assert installation.container_name("findface-sf-api") == f"{installation.project}_findface-sf-api_1"
    assert detected.compose_command == ["docker", "compose"]  # the detected one is not changed


def test_a_runtime_that_cannot_tell_keeps_the_detected_command():
    detected = replace(detect(FIXTURES / "gpu8"), compose_command=["docker", "compose"])
    runtime, installation = open_runtime_for(detected, "sim", SimRuntime(detected.root))
    assert isinstance(runtime, SimRuntime)
    assert installation is detected
