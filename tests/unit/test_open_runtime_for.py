"""open_runtime_for: the plan shows the compose command the runtime sees managing the project."""

from pathlib import Path

from ffwizard.core.detect import detect
from ffwizard.runtime import open_runtime_for
from ffwizard.runtime.sim import SimRuntime

FIXTURES = Path(__file__).parent.parent / "fixtures" / "installs"


class ComposeV1Runtime(SimRuntime):
    def compose_command_in_use(self):
        return ["docker-compose"]


def test_the_runtime_s_compose_command_replaces_the_guess(tmp_path):
    installation = detect(FIXTURES / "gpu8")
    installation.compose_command = ["docker", "compose"]
    runtime = ComposeV1Runtime(installation.root, installation.project, installation.compose_file)
    assert open_runtime_for(installation, "sim", runtime) is runtime
    assert installation.compose_command == ["docker-compose"]
    assert installation.container_name("findface-sf-api") == f"{installation.project}_findface-sf-api_1"


def test_a_runtime_that_cannot_tell_keeps_the_detected_command():
    installation = detect(FIXTURES / "gpu8")
    installation.compose_command = ["docker", "compose"]
    runtime = open_runtime_for(installation, "sim", SimRuntime(installation.root))
    assert isinstance(runtime, SimRuntime)
    assert installation.compose_command == ["docker", "compose"]
