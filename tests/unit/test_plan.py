"""The plan: every step in order with its params, and diffs that touch only the intended lines."""

from __future__ import annotations

import re

import pytest
import yaml
from install_fixtures import (
    INSTALLS,
    NAMES,
    changed_lines,
    copy_install,
    make_installs,
    plan_of,
    service_block,
)

from ffwizard.core.answers import resolve_answers
from ffwizard.core.detect import detect
from ffwizard.core.planner import build_plan
from ffwizard.core.secrets import mask_secrets
from ffwizard.core.steps import STEPS

NEW_FACE = {"face": "face/jackfruit_480.gpu.fnk"}


def make_plan(name, raw=None, root=None):
    inst = detect(root or INSTALLS / name)
    answers, problems = resolve_answers(inst, raw or {})
    return build_plan(inst, answers, problems=problems)


@pytest.fixture(scope="module")
def gpu8_plan():
    return make_plan("gpu8", {"models": NEW_FACE})


def test_steps_in_order_with_the_point_of_no_return(gpu8_plan):
    assert [s.id for s in gpu8_plan.steps] == [kind.id for kind in STEPS]
    assert [s.id for s in gpu8_plan.steps if s.point_of_no_return] == ["switch_sf_api"]
    assert [s.id for s in gpu8_plan.steps if not s.reversible] == \
        ["switch_sf_api", "resume_event_intake", "migrate_clusters", "verify_final"]
    assert not gpu8_plan.blocked
    assert gpu8_plan.run_dir == gpu8_plan.installation.root / ".ffwizard/run"


def test_no_cluster_step_when_clustering_is_off():
    plan = make_plan("cpu4_block")
    assert "migrate_clusters" not in [s.id for s in plan.steps]
    plan = make_plan("cpu4_block", {"migrate_clusters": True})
    step = plan.step("migrate_clusters")
    assert step.params.argv[-4:] == ("--face", "--use-best-event", "--use-thumbnail",
                                       "--force-clustering")


def test_step_params_follow_the_contract(gpu8_plan):
    plan = gpu8_plan
    root = plan.installation.root
    backup = plan.step("backup").params.to_json()
    assert backup == {"service": "findface-sf-api", "container_dir": "/ffmulti_dump",
                      "dump_argv": ["/storage-api-dump", "-config", "/etc/findface-sf-api.ini"],
                      "host_dir": str(root / "backups/ffmulti_dump")}
    dirs = plan.step("create_shard_dirs").params.to_json()
    assert dirs["dirs"][0] == str(root / "data/findface-tarantool-server/shard-011")
    assert dirs["subdirs"] == ["index", "snapshots", "xlogs"]
    assert dirs["like"] == str(root / "data/findface-tarantool-server/shard-001")
    assert plan.step("switch_model").params.to_json() == {
        "service": "findface-extraction-api", "health_url": "http://127.0.0.1:18666",
        "cache_dir": "/var/cache/findface/models_cache",
        "cache_host_dir": str(root / "cache/findface-extraction-api/models")}
    add = plan.step("add_new_shards").params.to_json()
    assert add["services"][0] == "findface-tarantool-server-shard-011"
    assert add["health_urls"][0] == "http://127.0.0.1:8111/v2/status"
    write = plan.step("write_migration_config")
    assert write.params.host_path == str(root / ".ffwizard/run/migration.yaml")
    assert write.changes[0].mode == 0o600 and write.changes[0].secret
    run = plan.step("run_migration").params.to_json()
    assert run["argv"] == ["./sf-api-migrate", "-config", "/migration.yaml"]
    assert run["old_shard_urls"][0] == "http://127.0.0.1:8101/"
    assert run["new_shard_urls"][-1] == "http://127.0.0.1:8118/"
    assert run["object_types"] == ["face", "body", "car"]
    assert plan.step("remove_old_shards").params.services[-1] == \
        "findface-tarantool-server-shard-008"
    assert plan.step("switch_sf_api").params.health_url == "http://127.0.0.1:18411/v2/galleries"
    assert plan.step("verify_final").params.old_counts_from == "verify_copy"


def test_commands_use_the_detected_compose_command_and_container_names(gpu8_plan):
    inst = gpu8_plan.installation
    restart = gpu8_plan.step("switch_model").commands[0]
    assert restart[-6:] == ["-p", "gpu8", "-f", str(inst.compose_file), "restart",
                            "findface-extraction-api"]
    assert restart[:-6] == (inst.compose_command or ["docker", "compose"]) + ["--ansi", "never"]
    dump = gpu8_plan.step("backup").commands[1]
    assert dump[:5] == ["docker", "exec", "-w", "/ffmulti_dump", inst.container_name("findface-sf-api")]


def expected_copy(text, old_name, old_http, old_tnt, new_name, new_http, new_tnt):
    block = service_block(text, f"findface-tarantool-server-{old_name}")
    return [line.replace(old_name, new_name).replace(f"{old_http}", f"{new_http}")
            .replace(f"{old_tnt}", f"{new_tnt}") for line in block]


@pytest.mark.parametrize("name,count", [("gpu8", 8), ("cpu4_block", 4), ("shards16", 16),
                                        ("wrapped", 4)])
def test_compose_diffs_touch_only_the_shard_services(name, count):
    plan = make_plan(name)
    text = (INSTALLS / name / "docker-compose.yaml").read_text()
    old, new = plan.installation.shards, plan.new_shards
    last = old[-1]
    expected_added = []
    for shard in new:
        expected_added += expected_copy(text, last.name, last.http_port, last.tarantool_port,
                                        shard.name, shard.http_port, shard.tarantool_port)
    add = plan.step("add_new_shards").changes[0]
    removed, added = changed_lines(add.diff())
    assert removed == []
    assert [a for a in added if a.strip()] == [e for e in expected_added if e.strip()]
    assert add.before == text
    after_add = yaml.safe_load(add.after)["services"]
    assert len([s for s in after_add if "tarantool" in s]) == 2 * count

    remove = plan.step("remove_old_shards").changes[0]
    assert remove.before == add.after
    removed, added = changed_lines(remove.diff())
    assert added == []
    expected_removed = [line for shard in old for line in service_block(text, shard.service)]
    assert [r for r in removed if r.strip()] == [e for e in expected_removed if e.strip()]
    final = yaml.safe_load(remove.after)["services"]
    assert sorted(s for s in final if "tarantool" in s) == sorted(s.service for s in new)
    # everything else in the file is byte for byte the original
    untouched = [line for line in text.splitlines() if line not in expected_removed]
    assert [line for line in remove.after.splitlines() if line in untouched] == untouched


def test_the_comment_after_the_last_shard_stays_before_the_next_service():
    plan = make_plan("cpu4_block")
    after = plan.step("add_new_shards").changes[0].after
    assert after.index("shard-014:") < after.index("# --- Application ---")
    assert "\n\n\n  # --- Application ---" in after  # the file's own two blank lines
    assert after.count("# the shard's data; never delete it") == 8
    final = plan.step("remove_old_shards").changes[0].after
    assert final.index("# --- Tarantool shards") < final.index("shard-011:")
    assert final.count("# the shard's data; never delete it") == 4


@pytest.mark.parametrize("name", ["gpu8", "cpu4_block", "shards16", "s3", "wrapped"])
def test_sf_api_diff_changes_only_the_shard_list(name):
    plan = make_plan(name)
    change = plan.step("switch_sf_api").changes[0]
    removed, added = changed_lines(change.diff())
    assert removed == [f"  - {{master: '{s.url}', slave: ''}}" for s in plan.installation.shards]
    assert added == [f"  - {{master: 'http://127.0.0.1:{s.http_port}/v2/', slave: ''}}"
                     for s in plan.new_shards]
    # the wrapped s3 flow mapping of the file is kept as written
    assert change.after.count("\n    region: '', public-url: ''") == 1


def test_extraction_diff_changes_only_the_model_lines():
    plan = make_plan("gpu8", {"models": {"face": "face/jackfruit_480.gpu.fnk",
                                         "car": "carrec/carrec_v2.gpu.fnk"}})
    removed, added = changed_lines(plan.step("switch_model").changes[0].diff())
    assert removed == ["        model: carrec/carrec_v1.gpu.fnk",
                       "        model: face/ifruit_320.gpu.fnk  # the face model in production"]
    assert added == ["        model: carrec/carrec_v2.gpu.fnk",
                     "        model: face/jackfruit_480.gpu.fnk  # the face model in production"]


def test_wrapped_flow_lines_are_copied_as_written():
    plan = make_plan("wrapped")
    text = (INSTALLS / "wrapped/docker-compose.yaml").read_text()
    assert "CFG_LISTEN_HOST: 127.0.0.1,\n      CFG_LISTEN_PORT: '8104'" in text
    after = plan.step("add_new_shards").changes[0].after
    assert "CFG_LISTEN_HOST: 127.0.0.1,\n      CFG_LISTEN_PORT: '8114'" in after
    assert yaml.safe_load(after)["services"]["findface-tarantool-server-shard-014"]["volumes"][0] \
        == "./data/findface-tarantool-server/shard-014:/var/lib/tarantool/FindFace"


def test_migration_yaml_has_the_vendor_shape(gpu8_plan):
    change = gpu8_plan.step("write_migration_config").changes[0]
    assert change.before is None
    doc = yaml.safe_load(change.after)
    assert doc["extraction-api"] == {"timeouts": {"connect": "5s", "response_header": "30s",
                                                  "overall": "35s", "idle_connection": "0s"},
                                     "extraction-api": "http://127.0.0.1:18666"}
    assert doc["storage-api-from"]["shards"][0] == {"master": "http://127.0.0.1:8101/v2/", "slave": ""}
    assert doc["storage-api-to"]["shards"][7] == {"master": "http://127.0.0.1:8118/v2/", "slave": ""}
    assert doc["storage-api-to"]["max-idle-conns-per-host"] == 20
    assert (doc["workers_num"], doc["objects_limit"], doc["extraction_batch_size"]) == (3, 1000, 8)
    assert doc["normalized_storage"]["webdav"]["upload-url"] == "http://127.0.0.1:3333/uploads/"


def test_s3_secrets_are_in_the_file_but_never_shown():
    plan = make_plan("s3")
    change = plan.step("write_migration_config").changes[0]
    assert make_installs.S3_SECRET in change.after  # the tool needs them
    shown = "".join(c.diff() for s in plan.steps for c in s.changes) + str(plan.to_json_dict())
    assert make_installs.S3_SECRET not in shown
    assert make_installs.S3_ACCESS not in shown
    assert "secret-access-key: '***'" in change.diff()


def test_mask_secrets_block_and_flow_style():
    assert mask_secrets("  access-key: ''\n  secret-access-key: abc  # key\n") == \
        "  access-key: ''\n  secret-access-key: '***'  # key\n"
    assert mask_secrets("  s3: {endpoint: 'e', access-key: 'AK', secret-access-key: \"s k\", "
                        "secure: false}\n") == \
        "  s3: {endpoint: 'e', access-key: '***', secret-access-key: '***', secure: false}\n"


def test_sf_api_diff_context_never_shows_s3_keys(tmp_path):
    root = copy_install("s3", tmp_path)
    # the s3 settings right above the shard list: inside the diff's context lines
    (root / "configs/findface-sf-api/findface-sf-api.yaml").write_text(f"""\
listen: 127.0.0.1:18411
normalized-storage:
  type: s3
  s3:
    access-key: {make_installs.S3_ACCESS}
    secret-access-key: '{make_installs.S3_SECRET}'
storage-api:
  shards:
  - master: http://127.0.0.1:8101/v2/
    slave: ''
  - master: http://127.0.0.1:8102/v2/
    slave: ''
""")
    plan = make_plan("s3", root=root)
    diff = plan.step("switch_sf_api").changes[0].diff()
    assert "    secret-access-key: '***'\n" in diff
    assert "-  - master: http://127.0.0.1:8101/v2/\n+  - master: http://127.0.0.1:8111/v2/" in diff
    assert make_installs.S3_SECRET not in diff and make_installs.S3_ACCESS not in diff
    assert make_installs.S3_SECRET in plan.step("switch_sf_api").changes[0].after


@pytest.mark.parametrize("name", NAMES)
def test_a_plan_is_built_for_every_fixture(name):
    plan = plan_of(INSTALLS / name)
    assert [s.id for s in plan.steps][:2] == ["backup", "create_shard_dirs"]
    assert plan.blocked == (name in ("disagree", "flat_models"))


def test_a_broken_config_blocks_with_its_line(tmp_path):
    root = copy_install("gpu8", tmp_path)
    path = root / "configs/findface-sf-api/findface-sf-api.yaml"
    path.write_text(path.read_text().replace("storage-api:", "storage-api: ["))
    plan = plan_of(root)
    assert plan.blocked
    assert any(p.where and re.match(rf"{re.escape(str(path))}:\d+$", p.where)
               for p in plan.problems)


@pytest.mark.parametrize("name", ["gpu8", "cpu4_block", "wrapped"])
def test_files_after_the_plan_describe_the_migrated_installation(tmp_path, name):
    root = copy_install(name, tmp_path)
    plan = plan_of(root)
    for directory in plan.step("create_shard_dirs").params.dirs:
        for sub in ("index", "snapshots", "xlogs"):
            (root / directory / sub).mkdir(parents=True)
    for step_id in ("switch_model", "add_new_shards", "remove_old_shards", "switch_sf_api"):
        for change in plan.step(step_id).changes:
            assert change.path.read_text() == change.before  # each builds on the previous one
            change.path.write_text(change.after)
    migrated = detect(root)
    assert [p for p in migrated.problems if p.severity == "error"] == []
    assert [(s.name, s.http_port, s.tarantool_port) for s in migrated.shards] == \
        [(s.name, s.http_port, s.tarantool_port) for s in plan.new_shards]
    assert migrated.leftover_shard_dirs == [s.name for s in plan.installation.shards]
    again = plan_of(root)  # a second migration goes above the leftovers too
    assert again.new_shards[0].name == "shard-021"


def test_shards_sharing_one_port_get_new_addresses_not_new_ports(tmp_path):
    root = tmp_path / "shared"
    make_installs.flow_install(root, 2, clustering=False)
    compose = root / "docker-compose.yaml"
    text = compose.read_text()
    sf = root / "configs/findface-sf-api/findface-sf-api.yaml"
    sf_text = sf.read_text()
    for n in (1, 2):
        service = f"findface-tarantool-server-shard-00{n}"
        text = text.replace(f"CFG_LISTEN_HOST: 127.0.0.1, CFG_LISTEN_PORT: '810{n}'",
                            f"CFG_LISTEN_HOST: {service}, CFG_LISTEN_PORT: '8001'")
        text = text.replace(f"TT_LISTEN: '127.0.0.1:3200{n}'", "TT_LISTEN: '32001'")
        sf_text = sf_text.replace(f"127.0.0.1:810{n}", f"{service}:8001")
    compose.write_text(text)
    sf.write_text(sf_text)
    plan = plan_of(root)
    assert not plan.blocked
    _, added = changed_lines(plan.step("add_new_shards").changes[0].diff())
    assert sum("CFG_LISTEN_HOST: findface-tarantool-server-shard-011, CFG_LISTEN_PORT: '8001'" in a
               for a in added) == 1
    assert plan.step("run_migration").params.new_shard_urls == (
        "http://findface-tarantool-server-shard-011:8001/",
        "http://findface-tarantool-server-shard-012:8001/")
