"""DockerRuntime against a real Docker Engine, on a small FindFace-shaped compose project."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import dockertest_images as images
import pytest
from dockertest_engine import new_project_name, remove_project
from dockertest_project import IMAGES, small_project

from ffwizard.core.errors import UserError
from ffwizard.runtime.docker import DockerRuntime

pytestmark = pytest.mark.docker

SF_API = "findface-sf-api"
SHARD_1 = "findface-tarantool-server-shard-001"
SHARD_2 = "findface-tarantool-server-shard-002"
SHARD_3 = "findface-tarantool-server-shard-003"
COMPOSE_V2 = ["docker", "compose"]
COMPOSE_V1 = ["docker-compose"]


@pytest.fixture(scope="module")
def vendor_images(engine, findface_image):
    images.tag(engine, findface_image, list(IMAGES))


def start_project(engine, root: Path, name: str, compose: list[str], shards=(1, 2)):
    project = small_project(root, list(shards))
    runtime = DockerRuntime(root, name, project.compose_file, compose_command=compose)
    result = runtime.compose_up()
    assert result.exit_code == 0, result.output
    wait_http(runtime, project.ports[SF_API])
    return project, runtime


def wait_http(runtime: DockerRuntime, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not runtime.http_get(f"http://127.0.0.1:{port}/", timeout=1).answered:
        assert time.monotonic() < deadline, f"nothing answers on 127.0.0.1:{port}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def running(engine, vendor_images, tmp_path_factory):
    """One project for the tests that only look or act inside containers (v2)."""
    name = new_project_name("shared")
    root = tmp_path_factory.mktemp("findface-multi")
    project, runtime = start_project(engine, root, name, COMPOSE_V2)
    yield project, runtime
    remove_project(engine, name)


@pytest.mark.parametrize("compose", [COMPOSE_V2, COMPOSE_V1], ids=["compose-v2", "compose-v1"])
def test_services_are_found_by_compose_labels(engine, vendor_images, tmp_path, project_name, compose):
    project, runtime = start_project(engine, tmp_path / "install", project_name, compose)

    states = runtime.services()

    assert set(states) == {"pause", SF_API, SHARD_1, SHARD_2}
    assert {s.state for s in states.values()} == {"running"}
    separator = "-" if compose == COMPOSE_V2 else "_"  # the names differ; the labels do not
    assert states[SHARD_1].container == f"{project_name}{separator}{SHARD_1}{separator}1"
    assert states[SHARD_1].image.startswith("docker.int.ntl/ntech/universe/tntapi")
    # Another project's runtime sees none of them.
    other = DockerRuntime(project.root, project_name + "-other", project.compose_file, compose_command=compose)
    assert other.services() == {}
    # The host's loopback reaches a service that shares pause's (host) network.
    wait_http(runtime, project.ports[SHARD_2])
    assert runtime.http_get(f"http://127.0.0.1:{project.ports[SHARD_2]}/").status == 200


def test_exec_returns_output_and_exit_code_in_workdir(running):
    _, runtime = running

    result = runtime.exec(SHARD_1, ["sh", "-c", "pwd; echo on-stderr >&2; exit 3"],
                          workdir="/var/lib/tarantool")

    assert result.exit_code == 3
    # Both streams; their relative order is not kept by the engine (two pipes).
    assert sorted(result.output.splitlines()) == ["/var/lib/tarantool", "on-stderr"]


def test_exec_passes_arguments_untouched(running):
    _, runtime = running
    value = "a b; $(touch /pwned) 'q' \"dq\" ü"

    result = runtime.exec(SF_API, ["printf", "%s", value])

    assert result.exit_code == 0 and result.output == value
    assert not runtime.path_exists(SF_API, "/pwned")


def test_exec_without_output_outlives_the_quick_api_timeout(running, monkeypatch):
    _, runtime = running
    monkeypatch.setattr("ffwizard.runtime.docker.API_TIMEOUT", 1.0)
    # A client built with the short timeout, for this test only: the runtime is shared by the
    # module's tests, and a 1 s client left behind fails them when the engine answers slowly.
    monkeypatch.setattr(runtime, "_client", None)

    result = runtime.exec(SF_API, ["sleep", "2"])

    assert result.exit_code == 0


def test_exec_timeout_is_reported_plainly(running):
    _, runtime = running

    with pytest.raises(UserError, match=r"did not finish within 1 s"):
        runtime.exec(SF_API, ["sleep", "5"], timeout=1)


def test_copy_in_and_out_round_trip(running, tmp_path):
    _, runtime = running
    tree = tmp_path / "ffmulti_dump"
    (tree / "shard-001").mkdir(parents=True)
    (tree / "shard-001" / "ffsec_face_events.dump").write_bytes(bytes(range(256)) * 40)
    secret = tree / "migration.yaml"
    secret.write_text("s3: {secret-access-key: x}\n")
    secret.chmod(0o600)
    (tree / "latest").symlink_to("shard-001")

    runtime.copy_in(SF_API, tree, "/")
    assert runtime.path_exists(SF_API, "/ffmulti_dump/shard-001/ffsec_face_events.dump")
    assert runtime.list_files(SF_API, "/ffmulti_dump") == [
        "latest", "migration.yaml", "shard-001/ffsec_face_events.dump"]
    assert runtime.list_files(SF_API, "/ffmulti_dump/", suffix=".dump") == ["shard-001/ffsec_face_events.dump"]

    back = runtime.copy_out(SF_API, "/ffmulti_dump", tmp_path / "back")

    assert back == tmp_path / "back" / "ffmulti_dump"
    assert (back / "shard-001" / "ffsec_face_events.dump").read_bytes() == bytes(range(256)) * 40
    assert (back / "migration.yaml").stat().st_mode & 0o777 == 0o600
    assert os.readlink(back / "latest") == "shard-001"


def test_copy_of_a_single_file_and_missing_paths(running, tmp_path):
    _, runtime = running
    single = tmp_path / "migration.yaml"
    single.write_text("workers_num: 3\n")

    runtime.copy_in(SF_API, single, "/tmp")
    out = runtime.copy_out(SF_API, "/tmp/migration.yaml", tmp_path / "out")

    assert out.read_text() == "workers_num: 3\n"
    with pytest.raises(UserError, match="/nowhere does not exist in the container"):
        runtime.copy_out(SF_API, "/nowhere", tmp_path / "out")
    with pytest.raises(UserError, match="The directory /nowhere does not exist"):
        runtime.copy_in(SF_API, single, "/nowhere")


def test_path_exists_and_list_files(running):
    _, runtime = running

    assert runtime.path_exists(SF_API, "/etc/findface-sf-api.ini")
    assert not runtime.path_exists(SF_API, "/usr/share/findface-data/models/face/none.gpu.fnk")
    assert runtime.list_files(SF_API, "/no/such/dir") == []
    assert "python3" in runtime.list_files(SF_API, "/usr/bin")


def test_restart_brings_the_service_back(running, engine):
    project, runtime = running
    before = engine.containers.get(runtime.container_name(SHARD_2)).attrs["State"]["StartedAt"]

    runtime.restart(SHARD_2)

    after = engine.containers.get(runtime.container_name(SHARD_2)).attrs["State"]["StartedAt"]
    assert after != before
    assert runtime.services()[SHARD_2].state == "running"
    wait_http(runtime, project.ports[SHARD_2])


@pytest.mark.parametrize("compose", [COMPOSE_V2, COMPOSE_V1], ids=["compose-v2", "compose-v1"])
def test_compose_up_adds_a_service_and_remove_orphans_removes_one(engine, vendor_images, tmp_path,
                                                                   project_name, compose):
    project, runtime = start_project(engine, tmp_path / "install", project_name, compose)
    ids = {s: engine.containers.get(st.container).id for s, st in runtime.services().items()}
    kept = project.root / "data/findface-tarantool-server/shard-001/00000000000000000042.snap"
    kept.write_text("the old shard's data\n")

    project.write([1, 2, 3])
    added = runtime.compose_up()

    assert added.exit_code == 0, added.output
    states = runtime.services()
    assert states[SHARD_3].state == "running"
    # The running services were left alone (same containers).
    assert all(engine.containers.get(states[s].container).id == ids[s] for s in ids)
    wait_http(runtime, project.ports[SHARD_3])

    project.write([2, 3])
    removed = runtime.compose_up(remove_orphans=True)

    assert removed.exit_code == 0, removed.output
    assert set(runtime.services()) == {"pause", SF_API, SHARD_2, SHARD_3}
    assert kept.read_text() == "the old shard's data\n"


def test_remove_services_stops_and_removes_their_containers(engine, vendor_images, tmp_path, project_name):
    project, runtime = start_project(engine, tmp_path / "install", project_name, COMPOSE_V2)
    data = project.root / "data/findface-tarantool-server/shard-002/xlogs"
    data.mkdir()

    runtime.remove_services([SHARD_2, "findface-tarantool-server-shard-099"])

    assert set(runtime.services()) == {"pause", SF_API, SHARD_1}
    assert data.is_dir()
    runtime.remove_services([SHARD_2])  # again: nothing left to do, no error


def test_stopped_and_missing_containers_are_reported_plainly(engine, vendor_images, tmp_path, project_name):
    _, runtime = start_project(engine, tmp_path / "install", project_name, COMPOSE_V2)
    engine.containers.get(runtime.container_name(SHARD_1)).stop(timeout=5)

    assert runtime.services()[SHARD_1].state == "exited"
    with pytest.raises(UserError, match=rf"container {project_name}-{SHARD_1}-1 of the service {SHARD_1} "
                                        r"is exited, not running"):
        runtime.exec(SHARD_1, ["true"])
    with pytest.raises(UserError, match=rf"service {SHARD_3} of the compose project {project_name} "
                                        r"has no container"):
        runtime.exec(SHARD_3, ["true"])


def test_detached_exec_goes_on_when_the_docker_cli_dies(running, tmp_path):
    """The executor's guarantee for the long migration: the process belongs to the container."""
    _, runtime = running
    program = ("import os, time\n"
               "for i in range(1, 31):\n"
               "    print('progress', i, 'x' * 20000, flush=True)\n"
               "    open('/tmp/detached-count.tmp', 'w').write(str(i))\n"
               "    os.replace('/tmp/detached-count.tmp', '/tmp/detached-count')\n"
               "    time.sleep(0.1)\n")

    def count() -> int:
        result = runtime.exec(SF_API, ["cat", "/tmp/detached-count"])
        return int(result.output) if result.exit_code == 0 else 0

    argv = runtime.detached_host_argv(SF_API, ["python3", "-c", program], workdir="/tmp")
    assert argv[:4] == ["docker", "exec", "-w", "/tmp"]
    assert argv[4] == runtime.container_name(SF_API)

    with open(tmp_path / "run.log", "wb") as log:
        cli = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 20
    while count() == 0:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    os.killpg(cli.pid, signal.SIGKILL)  # ffwizard's session dies, taking the CLI with it
    cli.wait()
    at_kill = count()

    deadline = time.monotonic() + 30
    while count() < 30:
        assert time.monotonic() < deadline, "the process stopped with the CLI"
        time.sleep(0.2)
    assert at_kill < 30
    assert b"progress 1 " in (tmp_path / "run.log").read_bytes()


def test_compose_display_argv_names_the_command_in_use(tmp_path):
    v1 = DockerRuntime(tmp_path, "ff", tmp_path / "docker-compose.yaml", compose_command=COMPOSE_V1)
    assert v1.compose_display_argv("up", "-d") == [
        "docker-compose", "--ansi", "never", "-p", "ff", "-f", str(tmp_path / "docker-compose.yaml"), "up", "-d"]


@pytest.mark.parametrize("compose", [COMPOSE_V2, COMPOSE_V1], ids=["compose-v2", "compose-v1"])
def test_compose_up_with_a_missing_image_fails_and_says_which(engine, vendor_images, tmp_path,
                                                               project_name, compose):
    project = small_project(tmp_path / "install", [1])
    text = project.compose_file.read_text().replace(
        "tntapi:runtime-test", "tntapi:no-such-version", 1)
    project.compose_file.write_text(text)
    runtime = DockerRuntime(project.root, project_name, project.compose_file, compose_command=compose)

    result = runtime.compose_up()

    assert result.exit_code != 0
    assert "tntapi" in result.output
    assert SHARD_1 not in runtime.services() or runtime.services()[SHARD_1].state != "running"


def test_stop_detached_stops_the_tool_inside_the_container_after_its_cli_died(running, tmp_path):
    """Rollback and re-runs must be able to stop a migration whose `docker exec` client is gone."""
    _, runtime = running
    tool = ["python3", "-c", "import time\nwhile True: time.sleep(0.1)"]

    def tool_running() -> bool:
        container = runtime.client.containers.get(runtime.container_name(SF_API))
        return any("while True" in " ".join(row) for row in container.top(ps_args="-eo pid,args")["Processes"])

    cli = subprocess.Popen(runtime.detached_host_argv(SF_API, tool), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 20
    while not tool_running():
        assert time.monotonic() < deadline, "the tool never started"
        time.sleep(0.1)
    os.killpg(cli.pid, signal.SIGKILL)
    cli.wait()
    assert tool_running()  # it belongs to the container, not to the dead CLI

    assert runtime.stop_detached(SF_API, ["python3", "-c", "something else"]) == 0
    assert tool_running()
    assert runtime.stop_detached(SF_API, tool) == 1
    assert not tool_running()
    assert runtime.stop_detached(SF_API, tool) == 0
