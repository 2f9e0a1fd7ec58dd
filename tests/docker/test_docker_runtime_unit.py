"""DockerRuntime pieces that need no engine: label lookup, safe extraction, plain errors."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from ffwizard.core.errors import RuntimeUnavailable, UserError
from ffwizard.runtime import docker as docker_runtime
from ffwizard.runtime.docker import DockerRuntime, safe_extract


class FakeContainers:
    """Answers `containers.list(all=True, filters={"label": [...]})` like the Engine does."""

    def __init__(self, containers):
        self._containers = containers
        self.calls = []

    def list(self, **kwargs):  # the SDK's call: list(all=True, filters=...)
        filters = kwargs["filters"]
        self.calls.append(filters)
        wanted = dict(label.split("=", 1) for label in filters["label"])
        return [c for c in self._containers
                if kwargs.get("all") or c.status == "running"
                if all(c.labels.get(k) == v for k, v in wanted.items())]


def container(name, project, service, status="running", oneoff="False", image="tntapi:1"):
    return SimpleNamespace(name=name, status=status, id=name + "-id",
                           labels={"com.docker.compose.project": project,
                                   "com.docker.compose.service": service,
                                   "com.docker.compose.oneoff": oneoff},
                           attrs={"Config": {"Image": image}})


def runtime_with(containers, project="ff-prod") -> DockerRuntime:
    client = SimpleNamespace(containers=FakeContainers(containers))
    return DockerRuntime(Path("/srv/ff"), project, Path("/srv/ff/docker-compose.yaml"),
                         compose_command=["docker", "compose"], client=client)


def test_services_come_from_the_project_labels_whatever_the_names():
    runtime = runtime_with([
        container("ff-prod_findface-sf-api_1", "ff-prod", "findface-sf-api"),          # v1 name
        container("ff-prod-shard-001-1", "ff-prod", "shard-001", status="exited"),      # v2 name
        container("renamed-by-hand", "ff-prod", "findface-ntls"),
        container("ff-test-findface-sf-api-1", "ff-test", "findface-sf-api"),          # other project
        container("ff-prod-findface-sf-api-run-1", "ff-prod", "findface-sf-api", oneoff="True"),
    ])

    states = runtime.services()

    assert {s: (st.container, st.state) for s, st in states.items()} == {
        "findface-sf-api": ("ff-prod_findface-sf-api_1", "running"),
        "shard-001": ("ff-prod-shard-001-1", "exited"),
        "findface-ntls": ("renamed-by-hand", "running"),
    }
    assert runtime.client.containers.calls[0] == {"label": ["com.docker.compose.project=ff-prod"]}


def test_a_running_container_is_preferred_among_several():
    runtime = runtime_with([
        container("ff-prod-shard-001-1", "ff-prod", "shard-001", status="exited"),
        container("ff-prod-shard-001-2", "ff-prod", "shard-001", status="running"),
    ])

    assert runtime.services()["shard-001"].container == "ff-prod-shard-001-2"
    assert runtime.container_name("shard-001") == "ff-prod-shard-001-2"


def test_missing_and_stopped_services_are_plain_sentences():
    runtime = runtime_with([container("ff-prod-shard-001-1", "ff-prod", "shard-001", status="exited")])

    with pytest.raises(UserError) as missing:
        runtime.detached_host_argv("findface-sf-api", ["./sf-api-migrate"])
    assert "The service findface-sf-api of the compose project ff-prod has no container" in str(missing.value)
    assert "docker compose --ansi never -p ff-prod -f /srv/ff/docker-compose.yaml up -d findface-sf-api" \
        in str(missing.value)
    with pytest.raises(UserError, match="ff-prod-shard-001-1 of the service shard-001 is exited, not running"):
        runtime.detached_host_argv("shard-001", ["true"])


def test_detached_host_argv_is_a_docker_exec_of_the_labelled_container():
    runtime = runtime_with([container("ff-prod_findface-sf-api_1", "ff-prod", "findface-sf-api")])

    argv = runtime.detached_host_argv("findface-sf-api", ["./sf-api-migrate", "-config", "/migration.yaml"],
                                      workdir="/")

    assert argv == ["docker", "exec", "-w", "/", "ff-prod_findface-sf-api_1",
                    "./sf-api-migrate", "-config", "/migration.yaml"]
    with pytest.raises(TypeError):
        runtime.detached_host_argv("findface-sf-api", "./sf-api-migrate -config x")  # type: ignore[arg-type]


def test_compose_argv_carries_project_file_directory_and_no_colours(monkeypatch):
    import ffwizard.runtime.docker as docker_runtime

    said = {"docker-compose": (1, 29, 2)}
    monkeypatch.setattr(docker_runtime, "compose_version_of",
                        lambda command: said.get(command[0], (2, 26, 1)))
    v2 = runtime_with([])
    v1 = DockerRuntime(Path("/srv/ff"), "ff-prod", Path("/srv/ff/docker-compose.yaml"),
                       compose_command=["docker-compose"], client=SimpleNamespace())

    assert v2.compose_argv("up", "-d") == [
        "docker", "compose", "--ansi", "never", "-p", "ff-prod", "-f", "/srv/ff/docker-compose.yaml",
        "--project-directory", "/srv/ff", "up", "-d"]
    assert v1.compose_argv("up", "-d")[:3] == ["docker-compose", "--ansi", "never"]
    said["docker-compose"] = (1, 25, 5)  # older than --ansi: only --no-ansi
    old = DockerRuntime(Path("/srv/ff"), "ff-prod", Path("/srv/ff/docker-compose.yaml"),
                        compose_command=["docker-compose"], client=SimpleNamespace())
    assert old.compose_argv("up", "-d")[:3] == ["docker-compose", "--no-ansi", "-p"]


def test_an_engine_that_does_not_answer_is_a_plain_sentence(tmp_path):
    dead = f"unix://{tmp_path}/docker.sock"
    runtime = DockerRuntime(tmp_path, "findface-multi", tmp_path / "docker-compose.yaml", engine_url=dead)

    with pytest.raises(RuntimeUnavailable) as err:
        runtime.ping()

    assert err.value.message == (f"The Docker Engine does not answer at {dead}: "
                                 "start it (systemctl start docker) and try again.")
    with pytest.raises(RuntimeUnavailable):
        runtime.services()


def test_missing_compose_is_a_plain_sentence(monkeypatch):
    monkeypatch.setattr(docker_runtime.shutil, "which", lambda name: None)

    with pytest.raises(UserError, match=r"Neither `docker compose` \(compose v2\) nor `docker-compose`"):
        docker_runtime.working_compose_command()


# --- safe extraction ---------------------------------------------------------------------------
def make_tar(members) -> tarfile.TarFile:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                info.mode = 0o640
                tar.addfile(info, io.BytesIO(payload))
                continue
            if kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, payload
            elif kind == "hard":
                info.type, info.linkname = tarfile.LNKTYPE, payload
            elif kind == "chr":
                info.type = tarfile.CHRTYPE
            tar.addfile(info)
    buffer.seek(0)
    return tarfile.open(fileobj=buffer, mode="r:")


def test_safe_extract_writes_files_dirs_and_inner_links(tmp_path):
    tar = make_tar([("dump", "dir", None), ("dump/a.bin", "file", b"\x00\x01"),
                    ("dump/latest", "sym", "a.bin"), ("dump/b.bin", "hard", "dump/a.bin")])

    safe_extract(tar, tmp_path)

    assert (tmp_path / "dump/a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "dump/a.bin").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "dump/latest").read_bytes() == b"\x00\x01"
    assert (tmp_path / "dump/b.bin").read_bytes() == b"\x00\x01"


@pytest.mark.parametrize("members", [
    [("/etc/passwd", "file", b"x")],
    [("dump/../../escape", "file", b"x")],
    [("dump/link", "sym", "/etc")],
    [("dump/link", "sym", "../../etc")],
    [("dump/hard", "hard", "../outside")],
    [("dump/dev", "chr", None)],
    [("d", "sym", "."), ("d/up", "sym", "..")],        # a link through a link
    [("ok.txt", "file", b"x"), ("dump/../../bad", "file", b"y")],
], ids=["absolute", "dotdot", "abs-link", "dotdot-link", "hard-link-out", "device",
        "link-through-link", "bad-after-good"])
def test_safe_extract_refuses_escapes_and_writes_nothing(tmp_path, members):
    destination = tmp_path / "dest"
    destination.mkdir()

    with pytest.raises(UserError, match="refused"):
        safe_extract(make_tar(members), destination)

    assert list(destination.iterdir()) == []
    assert not (tmp_path / "escape").exists() and not (tmp_path / "bad").exists()


def tar_bytes(members) -> bytes:
    tar = make_tar(members)
    return tar.fileobj.getvalue()


def stream(data: bytes, chunk: int = 1000) -> tarfile.TarFile:
    chunks = (data[i:i + chunk] for i in range(0, len(data), chunk))
    return tarfile.open(fileobj=io.BufferedReader(docker_runtime._ChunkReader(chunks)), mode="r|")


def test_safe_extract_reads_the_engine_stream_in_one_pass(tmp_path):
    payload = bytes(range(256)) * 100
    data = tar_bytes([("dump", "dir", None), ("dump/s1", "dir", None), ("dump/s1/g.jsonl", "file", payload)])

    safe_extract(stream(data), tmp_path)

    assert (tmp_path / "dump/s1/g.jsonl").read_bytes() == payload


def test_a_broken_stream_leaves_nothing_behind_and_keeps_what_was_there(tmp_path):
    (tmp_path / "earlier.txt").write_text("kept")
    data = tar_bytes([("dump", "dir", None), ("dump/a", "file", b"a" * 5000),
                      ("dump/b", "file", b"b" * 50000)])

    with pytest.raises(tarfile.TarError):
        safe_extract(stream(data[:30000]), tmp_path)  # the connection drops halfway through b

    assert sorted(p.name for p in tmp_path.iterdir()) == ["earlier.txt"]
    assert (tmp_path / "earlier.txt").read_text() == "kept"


def test_a_socket_the_user_may_not_open_is_a_plain_sentence(tmp_path):
    runtime = DockerRuntime(tmp_path, "ff", tmp_path / "docker-compose.yaml", engine_url="unix:///x.sock")

    err = runtime._unavailable(PermissionError(13, "Permission denied"))

    assert err.message == ("You may not use the Docker Engine at unix:///x.sock: run ffwizard as root "
                           "(or as a member of the docker group).")


def test_apply_with_no_engine_answering_says_so_and_changes_nothing(tmp_path):
    import os
    import subprocess
    import sys

    from ffwizard.demo.sandbox import build_sandbox

    sandbox = build_sandbox(tmp_path / "ff", shards=2, objects=50, device="cpu")
    before = {p: p.read_bytes() for p in sandbox.root.rglob("*") if p.is_file()}
    answers = tmp_path / "answers.yaml"
    answers.write_text("models: {face: face/nectarine_m_160.cpu.fnk}\n")
    dead = f"unix://{tmp_path}/no-engine.sock"

    done = subprocess.run([sys.executable, "-m", "ffwizard", "apply", "--root", str(sandbox.root),
                           "--answers", str(answers), "--runtime", "docker", "--yes"],
                          env={**os.environ, "DOCKER_HOST": dead}, capture_output=True, text=True,
                          timeout=120)

    assert done.returncode == 2, done.stdout + done.stderr
    assert f"The Docker Engine does not answer at {dead}: start it (systemctl start docker)" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    after = {p: p.read_bytes() for p in sandbox.root.rglob("*") if p.is_file() and ".ffwizard" not in p.parts}
    assert after == before
