"""Detection on realistic install trees: shards from three sources, models, device, storage,
project name; every disagreement and every unreadable file becomes a problem, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from install_fixtures import INSTALLS, copy_install, make_installs

from ffwizard.core import compose
from ffwizard.core.detect import detect
from ffwizard.core.shapes import WellKnownPaths


def errors(inst):
    return [p for p in inst.problems if p.severity == "error"]


def test_gpu8_vendor_layout():
    inst = detect(INSTALLS / "gpu8")
    assert inst.project == "gpu8"
    assert inst.device == "gpu"
    assert inst.models == {"face": "face/ifruit_320.gpu.fnk", "body": "pedrec/pedrec_v1.gpu.fnk",
                           "car": "carrec/carrec_v1.gpu.fnk"}
    assert [s.name for s in inst.shards] == [f"shard-00{n}" for n in range(1, 9)]
    assert [s.http_port for s in inst.shards] == list(range(8101, 8109))
    assert [s.tarantool_port for s in inst.shards] == list(range(32001, 32009))
    first = inst.shards[0]
    assert first.service == "findface-tarantool-server-shard-001"
    assert first.data_dir == str(INSTALLS.resolve() / "gpu8/data/findface-tarantool-server/shard-001")
    assert first.url == "http://127.0.0.1:8101/v2/"
    assert set(first.sources) == {"compose", "sf-api", "dir"}
    assert first.memtx_memory == 2147483648
    assert inst.clustering_enabled is True
    assert inst.normalized_storage.type == "webdav"
    assert inst.extraction_api_url == "http://127.0.0.1:18666"
    assert inst.sf_api_url == "http://127.0.0.1:18411"
    assert inst.sf_api_service == "findface-sf-api"
    assert "extraction-api-gpu" in inst.extraction_api_image
    assert inst.problems == []
    assert {8101, 32008, 18411, 3333}.issubset(inst.used_ports)


def test_cpu4_block_style_env_list_and_dotenv_project():
    inst = detect(INSTALLS / "cpu4_block")
    assert inst.project == "ffmulti_cpu"  # COMPOSE_PROJECT_NAME=FF.Multi_CPU, normalized
    assert inst.device == "cpu"
    assert inst.models == {"face": "face/ifruit_320.cpu.fnk"}  # body/car empty: not configured
    assert [(s.http_port, s.tarantool_port) for s in inst.shards] == \
        [(8100 + n, 32000 + n) for n in range(1, 5)]
    assert inst.shards[0].memtx_memory == 1073741824
    assert inst.clustering_enabled is False
    assert inst.problems == []
    assert inst.container_name("findface-sf-api") == "ffmulti_cpu-findface-sf-api-1"


def test_project_name_from_compose_name_and_directory(tmp_path):
    path = tmp_path / "My Install.d" / "docker-compose.yaml"
    path.parent.mkdir()
    path.write_text("services: {}\n")
    assert compose.project_name(path, {}) == "myinstalld"
    assert compose.project_name(path, {"name": "FindFace-Multi"}) == "findface-multi"
    (path.parent / ".env").write_text("COMPOSE_PROJECT_NAME='ff_prod'\n")
    assert compose.project_name(path, {"name": "other"}) == "ff_prod"


def test_compose_command_is_none_without_docker(monkeypatch):
    monkeypatch.setattr(compose.shutil, "which", lambda name: None)
    assert compose.installed_compose_command() is None
    assert detect(INSTALLS / "gpu8").compose_command is None


def test_compose_command_v1_when_only_docker_compose(monkeypatch):
    monkeypatch.setattr(compose.shutil, "which",
                        lambda name: "/usr/bin/docker-compose" if name == "docker-compose" else None)
    assert compose.installed_compose_command() == ["docker-compose"]


def test_shards16():
    inst = detect(INSTALLS / "shards16")
    assert len(inst.shards) == 16
    assert inst.shards[-1].name == "shard-016" and inst.shards[-1].http_port == 8116
    assert inst.clustering_enabled is False


def test_disagreeing_sources_are_each_reported():
    inst = detect(INSTALLS / "disagree")
    messages = [p.message for p in inst.problems]
    assert any("shard-004" in m and "does not exist" in m for m in messages)
    assert any("8105" in m and "no shard service" in m for m in messages)
    assert any("shard-004" in m and "sf-api does not use it" in m for m in messages)
    assert any("shard-009" in m and "no shard service" in m for m in messages)
    assert inst.leftover_shard_dirs == ["shard-009"]
    where = next(p.where for p in inst.problems if "does not exist" in p.message)
    assert where.endswith("docker-compose.yaml:57")  # the line of the service key
    assert len(errors(inst)) == 3


def test_the_systemd_era_model_key_is_refused():
    inst = detect(INSTALLS / "flat_models")
    [problem] = errors(inst)
    assert "extractors.models names its models without _emben (face: face/ifruit_320.cpu.fnk)" \
        in problem.message
    assert "FindFace Security 4.x / FindFace Multi 1.x on systemd" in problem.message
    assert problem.where.endswith("findface-extraction-api.yaml:4")  # the `face:` line


def test_s3_storage_detected_and_masked():
    inst = detect(INSTALLS / "s3")
    storage = inst.normalized_storage
    assert storage.type == "s3"
    assert storage.s3["secret-access-key"] == make_installs.S3_SECRET
    public = storage.public()
    assert public["s3"]["secret-access-key"] == "***"
    assert make_installs.S3_SECRET not in str(inst.to_public_dict())
    assert make_installs.S3_ACCESS not in str(inst.to_public_dict())


def test_shards_found_by_environment_not_by_name(tmp_path):
    root = copy_install("gpu8", tmp_path)
    path = root / "docker-compose.yaml"
    path.write_text(path.read_text().replace("findface-tarantool-server-shard-003:", "tnt-c:"))
    inst = detect(root)
    assert "tnt-c" in [s.service for s in inst.shards]
    assert next(s for s in inst.shards if s.service == "tnt-c").name == "shard-003"
    assert inst.problems == []


def test_every_shard_on_the_same_port_on_its_own_address(tmp_path):
    root = tmp_path / "shared"
    make_installs.flow_install(root, 3, clustering=False)
    path = root / "docker-compose.yaml"
    text = path.read_text()
    for n in (1, 2, 3):
        name = f"findface-tarantool-server-shard-00{n}"
        text = text.replace(f"CFG_LISTEN_HOST: 127.0.0.1, CFG_LISTEN_PORT: '810{n}'",
                            f"CFG_LISTEN_HOST: {name}, CFG_LISTEN_PORT: '8001'")
        text = text.replace(f"TT_LISTEN: '127.0.0.1:3200{n}'", "TT_LISTEN: '32001'")
    path.write_text(text)
    sf = root / "configs/findface-sf-api/findface-sf-api.yaml"
    sf_text = sf.read_text()
    for n in (1, 2, 3):
        sf_text = sf_text.replace(f"http://127.0.0.1:810{n}/",
                                  f"http://findface-tarantool-server-shard-00{n}:8001/")
    sf.write_text(sf_text)
    inst = detect(root)
    assert inst.problems == []
    assert [s.http_port for s in inst.shards] == [8001] * 3
    assert [s.http_host for s in inst.shards] == \
        [f"findface-tarantool-server-shard-00{n}" for n in (1, 2, 3)]


def test_missing_root_is_a_problem_not_a_traceback(tmp_path):
    inst = detect(tmp_path / "nowhere", well_known=WellKnownPaths(
        tarantool_instances=tmp_path / "etc", ffserver_shard_data=tmp_path / "ffserver",
        multi_root=tmp_path / "multi", cibr_root=tmp_path / "cibr"))
    assert [p.message for p in inst.problems] == [
        f"there is no directory {tmp_path / 'nowhere'}: give the FindFace install root (the "
        f"directory holding docker-compose.yaml) with --root."]
    assert inst.compose_file is None


def test_malformed_compose_file_names_the_line(tmp_path):
    root = copy_install("cpu4_block", tmp_path)
    path = root / "docker-compose.yaml"
    lines = path.read_text().splitlines()
    lines[20] = "    image: [broken"
    path.write_text("\n".join(lines) + "\n")
    inst = detect(root)
    problem = next(p for p in errors(inst) if "compose file" in p.message)
    assert "not valid YAML" in problem.message
    assert problem.where.startswith(f"{path}:")


def test_missing_sf_api_config_is_a_problem(tmp_path):
    root = copy_install("gpu8", tmp_path)
    (root / "configs/findface-sf-api/findface-sf-api.yaml").unlink()
    inst = detect(root)
    assert any(p.message == "the sf-api config is missing." for p in errors(inst))


def test_gpu_models_on_a_cpu_image_block(tmp_path):
    root = copy_install("gpu8", tmp_path)
    path = root / "docker-compose.yaml"
    path.write_text(path.read_text().replace("extraction-api-gpu", "extraction-api-cpu"))
    inst = detect(root)
    assert inst.device == "cpu"
    assert any("runs on CPU" in p.message for p in errors(inst))


@pytest.mark.parametrize("value,expected", [("True", True), ("False", False)])
def test_clustering_switch(tmp_path, value, expected):
    root = copy_install("cpu4_block", tmp_path)
    path = Path(root / "configs/findface-multi-legacy/findface-multi-legacy.py")
    path.write_text(f"SERVICE_EXTRA = {{\n    'CLUSTERING_ENABLED': {value},\n}}\n")
    assert detect(root).clustering_enabled is expected
    path.unlink()
    assert detect(root).clustering_enabled is False


def test_compose_command_v2_when_the_plugin_is_installed(monkeypatch, tmp_path):
    plugins = tmp_path / "cli-plugins"
    plugins.mkdir()
    (plugins / "docker-compose").write_text("")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setattr(compose, "CLI_PLUGIN_DIRS", ())
    monkeypatch.setattr(compose.shutil, "which",
                        lambda name: "/usr/bin/docker" if name == "docker" else None)
    assert compose.installed_compose_command() == ["docker", "compose"]
    (plugins / "docker-compose").unlink()
    assert compose.installed_compose_command() is None
