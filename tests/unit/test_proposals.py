"""Proposals and validation: new shards that collide with nothing, new models of the right
category and device, answers checked with clear messages."""

from __future__ import annotations

import pytest
from install_fixtures import INSTALLS, copy_install, make_installs

from ffwizard.core.answers import ShardSpec, load_answers, resolve_answers
from ffwizard.core.detect import detect
from ffwizard.core.errors import UserError
from ffwizard.core.shards import propose_new_shards, validate_new_shards

AVAILABLE_GPU = ["face/ifruit_320.gpu.fnk", "face/jackfruit_480.gpu.fnk",
                 "face/kiwi_1024.gpu.fnk", "face/kiwi_1024.cpu.fnk",
                 "pedrec/pedrec_v1.gpu.fnk", "pedrec/pedrec_v2.gpu.fnk",
                 "carrec/carrec_v1.gpu.fnk", "carrec/carrec_v10.gpu.fnk",
                 "carrec/carrec_v9.gpu.fnk", "facenorm/crop2x.gpu.fnk"]


@pytest.fixture(scope="module")
def gpu8():
    return detect(INSTALLS / "gpu8")


def triples(specs):
    return [(s.name, s.http_port, s.tarantool_port) for s in specs]


def messages(problems, severity="error"):
    return [p.message for p in problems if p.severity == severity]


def test_plus_ten_block_for_eight_shards(gpu8):
    specs, problems = propose_new_shards(gpu8)
    assert triples(specs) == [(f"shard-{10 + n:03d}", 8110 + n, 32010 + n) for n in range(1, 9)]
    assert problems == []


def test_sixteen_shards_get_a_block_that_collides_with_nothing():
    inst = detect(INSTALLS / "shards16")
    specs, problems = propose_new_shards(inst)
    assert triples(specs) == [(f"shard-{20 + n:03d}", 8120 + n, 32020 + n) for n in range(1, 17)]
    old_ports = {p for s in inst.shards for p in (s.http_port, s.tarantool_port)}
    assert not old_ports & {p for s in specs for p in (s.http_port, s.tarantool_port)}
    assert validate_new_shards(inst, specs) == []


def test_leftover_data_dirs_and_other_ports_are_avoided(tmp_path):
    root = copy_install("gpu8", tmp_path)
    make_installs.make_data_dirs(root, ["shard-015"])  # left from an earlier migration
    compose = root / "docker-compose.yaml"
    compose.write_text(compose.read_text().replace("'80:80'", "'8112:8112'"))
    specs, _ = propose_new_shards(detect(root))
    assert specs[0].name == "shard-021" and specs[0].http_port == 8121


def test_shared_port_layout_is_kept(tmp_path):
    root = tmp_path / "shared"
    make_installs.flow_install(root, 2, clustering=False)
    compose = root / "docker-compose.yaml"
    text = compose.read_text()
    for n in (1, 2):
        text = text.replace(f"CFG_LISTEN_HOST: 127.0.0.1, CFG_LISTEN_PORT: '810{n}'",
                            f"CFG_LISTEN_HOST: findface-tarantool-server-shard-00{n}, "
                            f"CFG_LISTEN_PORT: '8001'")
    compose.write_text(text)
    sf = root / "configs/findface-sf-api/findface-sf-api.yaml"
    sf.write_text(sf.read_text().replace("127.0.0.1:8101", "findface-tarantool-server-shard-001:8001")
                  .replace("127.0.0.1:8102", "findface-tarantool-server-shard-002:8001"))
    specs, problems = propose_new_shards(detect(root))
    assert [(s.name, s.http_port) for s in specs] == [("shard-011", 8001), ("shard-012", 8001)]
    assert "every shard listens on port 8001" in messages(problems, "info")[0]


@pytest.mark.parametrize("specs,expected", [
    ([("shard-011", 0, 32011)], "not a port number"),
    ([("shard-011", 8111, 70000)], "not a port number"),
    ([("shard-011", 8111, 32011), ("shard-012", 8111, 32012)], "given twice"),
    ([("shard-011", 8101, 32011)], "HTTP port 8101 is already in use (by shard shard-001)"),
    ([("shard-011", 18411, 32011)], "HTTP port 18411 is already in use (by service pause in the compose file)"),
    ([("shard-003", 8111, 32011)], "already used by an existing shard"),
    ([("shard-011", 8111, 32011), ("shard-011", 8112, 32012)], "given twice"),
])
def test_a_user_list_is_validated(gpu8, specs, expected):
    problems = validate_new_shards(gpu8, [ShardSpec(*s) for s in specs])
    assert any(expected in m for m in messages(problems)), messages(problems)


def test_a_user_list_of_the_wrong_length(gpu8):
    problems = validate_new_shards(gpu8, [ShardSpec("shard-011", 8111, 32011)])
    assert any("the same number of new shards" in m for m in messages(problems))


def test_newest_other_model_of_the_right_category_and_device(gpu8):
    answers, problems = resolve_answers(gpu8, {}, AVAILABLE_GPU)
    assert answers.models == {"face": "face/kiwi_1024.gpu.fnk", "body": "pedrec/pedrec_v2.gpu.fnk",
                              "car": "carrec/carrec_v10.gpu.fnk"}
    assert problems == []


def test_without_a_model_list_today_s_model_is_proposed_with_a_warning(gpu8):
    answers, problems = resolve_answers(gpu8, {"object_types": ["face"]})
    assert answers.models == {"face": "face/ifruit_320.gpu.fnk"}
    assert any("the one in use today" in m for m in messages(problems, "warning"))
    assert messages(problems) == []


def test_gpu_model_on_cpu_install_is_an_error():
    inst = detect(INSTALLS / "cpu4_block")
    _, problems = resolve_answers(inst, {"models": {"face": "face/kiwi_1024.gpu.fnk"}})
    assert any("is a GPU model" in m for m in messages(problems))


@pytest.mark.parametrize("model,expected", [
    ("pedrec/kiwi.gpu.fnk", "face models live in 'face/'"),
    ("face/kiwi.fnk", "is not a model file name"),
    ("face/kiwi_1024.gpu", "is not a model file name"),
    ("face/kiwi_1042.gpu.fnk", "Did you mean 'face/kiwi_1024.gpu.fnk'"),
])
def test_free_entry_of_a_model_is_checked(gpu8, model, expected):
    _, problems = resolve_answers(gpu8, {"object_types": ["face"], "models": {"face": model}},
                                  AVAILABLE_GPU)
    assert any(expected in m for m in messages(problems)), messages(problems)


def test_answers_complete_and_checked(gpu8, tmp_path):
    raw = {"object_types": ["car", "face"], "models": {"face": "face/jackfruit_480.gpu.fnk"},
           "new_shards": [{"name": f"shard-1{n:02d}", "http_port": 9100 + n,
                           "tarantool_port": 33000 + n} for n in range(1, 9)],
           "backup_dir": "/srv/dump", "migration": {"workers_num": 6},
           "migrate_clusters": False}
    answers, problems = resolve_answers(gpu8, raw, AVAILABLE_GPU)
    assert problems == []
    assert answers.object_types == ["face", "car"]
    assert answers.models == {"face": "face/jackfruit_480.gpu.fnk", "car": "carrec/carrec_v10.gpu.fnk"}
    assert answers.new_shards[0] == ShardSpec("shard-101", 9101, 33001)
    assert str(answers.backup_dir) == "/srv/dump"
    assert (answers.workers_num, answers.objects_limit, answers.extraction_batch_size) == (6, 1000, 8)
    assert answers.migrate_clusters is False
    again, _ = resolve_answers(gpu8, answers.to_dict(), AVAILABLE_GPU)
    assert again.to_dict() == answers.to_dict()


def test_defaults(gpu8):
    answers, _ = resolve_answers(gpu8, None)
    assert answers.object_types == ["face", "body", "car"]
    assert answers.backup_dir == gpu8.root / "backups/ffmulti_dump"
    assert answers.migrate_clusters is True  # clustering is enabled in gpu8
    assert (answers.workers_num, answers.objects_limit, answers.extraction_batch_size) == (3, 1000, 8)


@pytest.mark.parametrize("raw,expected", [
    ({"object_type": ["face"]}, "unknown key 'object_type'. Did you mean 'object_types'?"),
    ({"object_types": ["fase"]}, "unknown object type 'fase'. Did you mean 'face'?"),
    ({"migration": {"workers": 2}}, "Did you mean 'workers_num'?"),
    ({"migration": {"workers_num": 0}}, "at least 1"),
    ({"migrate_clusters": "yes"}, "true or false"),
    ({"new_shards": [{"name": "shard-011", "http_port": "x", "tarantool_port": 1}]},
     "http_port must be a port number"),
    ({"new_shards": "some"}, "'auto' or a list"),
])
def test_bad_answers_get_clear_messages(gpu8, raw, expected):
    _, problems = resolve_answers(gpu8, raw, source="answers.yaml")
    found = [str(p) for p in problems if p.severity == "error"]
    assert any(expected in m for m in found), found
    assert all(m.startswith("answers.yaml: ") for m in found)


def test_load_answers_malformed_names_file_and_line(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("object_types: [face\nmodels: {}\n")
    with pytest.raises(UserError) as info:
        load_answers(path)
    assert info.value.where.startswith(f"{path}:")
    path.write_text("- face\n")
    with pytest.raises(UserError, match="must be a mapping"):
        load_answers(path)
    path.write_text("")
    assert load_answers(path) == {}


def test_ports_anywhere_in_the_compose_file_are_avoided(tmp_path):
    root = copy_install("gpu8", tmp_path)
    compose = root / "docker-compose.yaml"
    compose.write_text(compose.read_text().replace(
        "command: [--config=/etc/findface-sf-api.ini]",
        "command: [--config=/etc/findface-sf-api.ini, --metrics-listen=127.0.0.1:32013]"))
    inst = detect(root)
    assert 32013 in inst.used_ports and 14400 not in inst.used_ports
    specs, _ = propose_new_shards(inst)
    assert specs[0] == ShardSpec("shard-021", 8121, 32021)
    taken = [ShardSpec(f"shard-0{10 + n}", 8110 + n, 32010 + n) for n in range(1, 9)]
    problems = validate_new_shards(inst, taken)
    assert messages(problems) == ["shard-013: Tarantool port 32013 is already in use (by "
                                  "service findface-sf-api in the compose file)."]
