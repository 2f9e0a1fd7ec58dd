"""The vendor tools of the simulation run through the sim runtime: migration, dump, clusters."""

from __future__ import annotations

import json
import subprocess

import pytest
from demo_helpers import (
    NEW_MODEL,
    all_objects,
    galleries,
    per_gallery,
    ready_for_migration,
    write_migration_yaml,
)

from ffwizard.core.errors import UserError
from ffwizard.demo import catalog, scenario

MIGRATE = ["./sf-api-migrate", "-config", "migration.yaml"]
CLUSTERS = ["/opt/findface-security/bin/python3", "/tigre_prototype/manage.py", "migrate_clusters",
            "--face", "--body", "--car", "--use-best-event", "--use-thumbnail", "--force-clustering"]


def test_full_procedure_copies_every_object_with_the_new_model(sim_sandbox):
    runtime = sim_sandbox.runtime
    box, old, new = ready_for_migration(sim_sandbox)
    assert all(runtime.services()[f"findface-tarantool-server-shard-01{i}"].state == "running" for i in (1, 2, 3, 4))
    assert sum(per_gallery(new).values()) == 0

    result = runtime.exec("findface-sf-api", MIGRATE)
    assert result.exit_code == 0, result.output
    assert "found 10 galleries, 600 objects on 4 shards" in result.output
    assert "progress: 600/600 objects (100.0%)" in result.output
    assert per_gallery(new) == per_gallery(old)
    for old_url, new_url in zip(old, new):
        assert galleries(new_url) == galleries(old_url)
    for gallery in ("ffsec_face_events", "ffsec_body_clusters", "ffsec_user_face"):
        object_type = catalog.gallery_type(gallery)
        model = catalog.model_file(object_type, NEW_MODEL[object_type], "gpu")
        for object_id, vector, image in all_objects(new[1], gallery):
            assert vector == catalog.vector(model, catalog.image_bytes(gallery, object_id))

    # Clusters before sf-api points at the new shards: the old galleries hold the old model.
    refused = runtime.exec("findface-multi-legacy", CLUSTERS)
    assert refused.exit_code == 1 and "holds vectors of model face/kiwi_320.gpu.fnk" in refused.output

    # A second run into filled shards conflicts, as the real one does.
    again = runtime.exec("findface-sf-api", MIGRATE)
    assert again.exit_code == 1 and "already holds object" in again.output

    old_totals = per_gallery(old)
    old_services = [f"findface-tarantool-server-shard-00{i}" for i in (1, 2, 3, 4)]
    scenario.remove_shard_services(box, old_services)
    up = runtime.compose_up(remove_orphans=True)
    assert up.exit_code == 0 and "shard-001-1  Removed" in up.output
    assert not set(old_services) & set(runtime.services())
    assert not runtime.http_get(old[0] + "status", timeout=1).answered
    scenario.point_sf_api_at(box, new)
    runtime.restart("findface-sf-api")
    assert galleries(f"http://127.0.0.1:{box.ports.sf_api}/v2/") == old_totals

    done = runtime.exec("findface-multi-legacy", CLUSTERS)
    assert done.exit_code == 0, done.output
    assert "face: " in done.output and "clustering scheduled for face, body, car (forced)" in done.output


BAD_CONFIGS = {
    "not yaml": ("workers_num: [1,\n", "not valid YAML"),
    "no target shards": ("TARGET_EMPTY", "storage-api-to.shards: missing or empty"),
    "zero workers": ("WORKERS_ZERO", "workers_num: expected a positive integer"),
    "same shard both sides": ("SAME", "storage-api-to lists a shard it migrates from"),
    "unknown key": ("UNKNOWN", "unknown key(s): worker_num"),
    "storage disabled": ("DISABLED", "normalized_storage.enabled is not true"),
}


def test_malformed_migration_yaml_is_refused_and_copies_nothing(sim_sandbox):
    runtime = sim_sandbox.runtime
    box, old, new = ready_for_migration(sim_sandbox)
    good = scenario.migration_yaml(box, old, new)
    variants = {
        "TARGET_EMPTY": scenario.migration_yaml(box, old, []),
        "WORKERS_ZERO": good.replace("workers_num: 3", "workers_num: 0"),
        "SAME": scenario.migration_yaml(box, old, [new[0], old[1]]),
        "UNKNOWN": good.replace("workers_num: 3", "worker_num: 3"),
        "DISABLED": good.replace("enabled: True", "enabled: False"),
    }
    for case, (text, expected) in sorted(BAD_CONFIGS.items()):
        write_migration_yaml(sim_sandbox, box, old, new, variants.get(text, text))
        result = runtime.exec("findface-sf-api", MIGRATE)
        assert result.exit_code == 2 and expected in result.output, (case, result.output)
        assert "Traceback" not in result.output
    assert sum(per_gallery(new).values()) == 0
    write_migration_yaml(sim_sandbox, box, old, new, good)
    assert runtime.exec("findface-sf-api", MIGRATE).exit_code == 0


def test_help_and_bad_flags(sim_sandbox):
    runtime = sim_sandbox.runtime
    shown = runtime.exec("findface-sf-api", ["./sf-api-migrate", "-help"])
    assert shown.exit_code == 0 and "-config string" in shown.output and "-pace int" in shown.output
    bad = runtime.exec("findface-sf-api", ["./sf-api-migrate", "-conf", "x"])
    assert bad.exit_code == 2 and "flag provided but not defined: -conf" in bad.output
    missing = runtime.exec("findface-sf-api", ["./sf-api-migrate", "-config", "nowhere.yaml"])
    assert missing.exit_code == 2 and "cannot read nowhere.yaml" in missing.output


def test_dump_writes_every_gallery_of_every_shard(sim_sandbox, tmp_path):
    runtime = sim_sandbox.runtime
    assert runtime.exec("findface-sf-api", ["mkdir", "-p", "/ffmulti_dump"]).exit_code == 0
    result = runtime.exec("findface-sf-api", ["/storage-api-dump", "-config", "/etc/findface-sf-api.ini"],
                          workdir="/ffmulti_dump")
    assert result.exit_code == 0 and "dump finished: 600 objects from 4 shards" in result.output
    copied = runtime.copy_out("findface-sf-api", "/ffmulti_dump", tmp_path / "backup")
    manifest = json.loads((copied / "manifest.json").read_text())
    assert sum(sum(c.values()) for c in manifest["shards"].values()) == 600
    lines = sum(len(p.read_text().splitlines()) - 1 for p in copied.rglob("*.jsonl"))
    assert lines == 600


def test_exec_maps_container_programs_and_refuses_the_rest(sim_sandbox, tmp_path):
    runtime = sim_sandbox.runtime
    assert runtime.exec("findface-sf-api", ["test", "-f", "/etc/findface-sf-api.ini"]).exit_code == 0
    assert runtime.exec("findface-sf-api", ["test", "-f", "/etc/findface-extraction-api.ini"]).exit_code == 1
    assert "sf-api-migrate" in runtime.exec("findface-sf-api", ["ls", "/"]).output
    missing = runtime.exec("findface-sf-api", ["bash", "-c", "true"])
    assert missing.exit_code == 127 and "executable file not found" in missing.output
    assert runtime.exec("findface-upload", ["/storage-api-dump"]).exit_code == 127
    assert runtime.exec("findface-sf-api", ["/opt/findface-security/bin/python3"]).exit_code == 127
    with pytest.raises(UserError, match="no such service"):
        runtime.exec("findface-nothing", ["ls"])

    # The extraction-api's models, as the wizard lists them.
    models = runtime.list_files("findface-extraction-api", "/usr/share/findface-data/models", ".fnk")
    assert "face/nectarine_m_160.cpu.fnk" in models and "pedrec/wheat_m_256.gpu.fnk" in models
    assert runtime.path_exists("findface-extraction-api", "/usr/share/findface-data/models/face/kiwi_320.gpu.fnk")
    assert not runtime.path_exists("findface-extraction-api", "/usr/share/findface-data/models/face/x.gpu.fnk")

    # copy in / out through a bind mount lands in the host file.
    note = tmp_path / "note.txt"
    note.write_text("hello")
    runtime.copy_in("findface-sf-api", note, "/")
    assert runtime.exec("findface-sf-api", ["cat", "/note.txt"]).output == "hello"
    out = runtime.copy_out("findface-sf-api", "/etc/findface-sf-api.ini", tmp_path / "out")
    assert out.read_bytes() == (sim_sandbox.root / "configs/findface-sf-api/findface-sf-api.yaml").read_bytes()


def test_detached_argv_runs_the_tool_like_exec(sim_sandbox, tmp_path):
    runtime = sim_sandbox.runtime
    box, old, new = ready_for_migration(sim_sandbox)
    argv = runtime.detached_host_argv("findface-sf-api", MIGRATE, workdir="/")
    log = tmp_path / "migration.log"
    with open(log, "wb") as out:
        status = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, timeout=60)
    assert status.returncode == 0, log.read_text()
    assert "migration finished: 600 objects" in log.read_text()
    assert per_gallery(new) == per_gallery(old)
    missing = subprocess.run(runtime.detached_host_argv("findface-sf-api", ["nope"]), capture_output=True, text=True)
    assert missing.returncode == 127


def test_cluster_command_checks_its_flags_and_the_clustering_switch(sim_sandbox):
    runtime = sim_sandbox.runtime
    no_type = runtime.exec("findface-multi-legacy", CLUSTERS[:3] + ["--use-best-event"])
    assert no_type.exit_code == 2 and "give at least one object type" in no_type.output
    unknown = runtime.exec("findface-multi-legacy", CLUSTERS + ["--boat"])
    assert unknown.exit_code == 2 and "unrecognized arguments: --boat" in unknown.output
    other = runtime.exec("findface-multi-legacy", CLUSTERS[:2] + ["migrate"])
    assert other.exit_code == 1 and "Unknown command" in other.output
    settings = sim_sandbox.root / "configs/findface-multi-legacy/findface-multi-legacy.py"
    settings.write_text(settings.read_text().replace("'CLUSTERING_ENABLED': True", "'CLUSTERING_ENABLED': False"))
    off = runtime.exec("findface-multi-legacy", CLUSTERS)
    assert off.exit_code == 0 and "clustering is disabled" in off.output


def test_migration_into_fewer_shards_spreads_by_object_id(sim_sandbox):
    runtime = sim_sandbox.runtime
    box, old, new = ready_for_migration(sim_sandbox)
    write_migration_yaml(sim_sandbox, box, old, new[:3], scenario.migration_yaml(box, old, new[:3], workers=2))
    result = runtime.exec("findface-sf-api", MIGRATE)
    assert result.exit_code == 0, result.output
    assert per_gallery(new[:3]) == per_gallery(old)
    assert sum(galleries(new[3]).values()) == 0
    for index, url in enumerate(new[:3]):
        for object_id, _, _ in all_objects(url, "ffsec_face_events"):
            assert object_id % 3 == index
