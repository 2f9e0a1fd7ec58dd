"""Each fault knob of the simulation does what ffwizard/demo/faults.py says."""

from __future__ import annotations

import time

from demo_helpers import log_text, per_gallery, ready_for_migration, wait_for

from ffwizard.demo import faults
from ffwizard.demo.httpkit import Client
from ffwizard.demo.sandbox import open_sandbox

MIGRATE = ["./sf-api-migrate", "-config", "migration.yaml"]


def test_knobs_come_from_the_environment_before_the_sandbox_file(tmp_path, monkeypatch):
    (tmp_path / ".sim").mkdir()
    monkeypatch.setenv("FFSIM_SANDBOX", str(tmp_path))
    monkeypatch.delenv("FFSIM_PACE", raising=False)
    faults.set_faults(tmp_path, FFSIM_PACE=40, FFSIM_DUMP_NO_SPACE=1)
    assert faults.int_knob("FFSIM_PACE") == 40
    monkeypatch.setenv("FFSIM_PACE", "7")
    assert faults.int_knob("FFSIM_PACE") == 7
    faults.set_faults(tmp_path, FFSIM_DUMP_NO_SPACE=None)
    assert faults.knob("FFSIM_DUMP_NO_SPACE") is None
    assert faults.limit_for("a=5,shard-002=9", {"shard-002"}) == 9
    assert faults.limit_for("12", {"x"}) == 12 and faults.limit_for("a=5", {"b"}) is None


def test_migration_dies_after_exactly_k_objects(sim_sandbox):
    box, old, new = ready_for_migration(sim_sandbox)
    faults.set_faults(box.root, FFSIM_MIGRATE_DIE_AFTER=250)
    result = sim_sandbox.runtime.exec("findface-sf-api", MIGRATE)
    assert result.exit_code == 137, result.output
    assert "migration finished" not in result.output
    assert sum(per_gallery(new).values()) == 250


def test_a_shard_that_is_down_refuses_to_start(sim_sandbox):
    runtime, box = sim_sandbox.runtime, open_sandbox(sim_sandbox.root)
    faults.set_faults(box.root, FFSIM_SHARD_DOWN="shard-002")
    runtime.restart("findface-tarantool-server-shard-002")
    runtime.restart("findface-tarantool-server-shard-003")
    states = runtime.services()
    assert states["findface-tarantool-server-shard-002"].state == "exited"
    assert states["findface-tarantool-server-shard-003"].state == "running"
    assert "fault FFSIM_SHARD_DOWN" in log_text(sim_sandbox, "findface-tarantool-server-shard-002")
    answer = runtime.http_get(f"http://127.0.0.1:{box.ports.sf_api}/v2/galleries")
    assert answer.status == 502 and box.shard_url(1).encode() in answer.body


def test_a_new_shard_going_down_mid_migration_fails_the_tool(sim_sandbox):
    faults.set_faults(sim_sandbox.root, FFSIM_SHARD_DOWN_AFTER_ADDS="findface-tarantool-server-shard-012=40")
    box, old, new = ready_for_migration(sim_sandbox)
    result = sim_sandbox.runtime.exec("findface-sf-api", MIGRATE)
    assert result.exit_code == 1 and "migration failed after" in result.output
    assert new[1] in result.output
    assert wait_for(lambda: sim_sandbox.runtime.services()["findface-tarantool-server-shard-012"].state == "exited")
    assert sim_sandbox.runtime.services()["findface-tarantool-server-shard-011"].state == "running"


def test_slow_extraction(sim_sandbox):
    box = open_sandbox(sim_sandbox.root)
    client = Client(f"http://127.0.0.1:{box.ports.extraction_api}")
    started = time.monotonic()
    client.json("POST", "/v2/sim/extract", {"object_type": "face", "images": []})
    fast = time.monotonic() - started
    faults.set_faults(box.root, FFSIM_EXTRACTION_DELAY_MS=300)
    sim_sandbox.runtime.restart("findface-extraction-api")
    client = Client(f"http://127.0.0.1:{box.ports.extraction_api}")
    started = time.monotonic()
    client.json("POST", "/v2/sim/extract", {"object_type": "face", "images": []})
    assert time.monotonic() - started >= 0.3 > fast


def test_dump_fails_for_lack_of_space(sim_sandbox):
    faults.set_faults(sim_sandbox.root, FFSIM_DUMP_NO_SPACE=1)
    runtime = sim_sandbox.runtime
    runtime.exec("findface-sf-api", ["mkdir", "/ffmulti_dump"])
    result = runtime.exec("findface-sf-api", ["/storage-api-dump", "-config", "/etc/findface-sf-api.ini"],
                          workdir="/ffmulti_dump")
    assert result.exit_code == 1 and "no space left on device" in result.output
    assert not runtime.path_exists("findface-sf-api", "/ffmulti_dump/manifest.json")


def test_pace_slows_the_migration_down(sim_sandbox):
    box, old, new = ready_for_migration(sim_sandbox)
    faults.set_faults(box.root, FFSIM_PACE=1000)
    started = time.monotonic()
    result = sim_sandbox.runtime.exec("findface-sf-api", MIGRATE)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 0.55  # 600 objects at most 1000/s
    assert per_gallery(new) == per_gallery(old)


def test_a_new_gpu_model_builds_its_cache_once(sim_sandbox):
    from ffwizard.demo import scenario

    box, runtime = open_sandbox(sim_sandbox.root), sim_sandbox.runtime
    cache = box.root / "cache/findface-extraction-api/models"
    assert (cache / "face_kiwi_320.gpu.fnk.cache").is_file()
    faults.set_faults(box.root, FFSIM_GPU_CACHE_SECONDS=0.6)
    scenario.set_extraction_model(box, "face", "face/nectarine_m_160.gpu.fnk")
    started = time.monotonic()
    runtime.restart("findface-extraction-api")
    assert time.monotonic() - started >= 0.6  # listening only once the cache is built
    assert (cache / "face_nectarine_m_160.gpu.fnk.cache").is_file()
    assert "building the GPU cache of face/nectarine_m_160.gpu.fnk" in log_text(sim_sandbox, "findface-extraction-api")
    runtime.restart("findface-extraction-api")  # cached now: no second build
    assert log_text(sim_sandbox, "findface-extraction-api").count("building the GPU cache of face/nectarine") == 1
    assert runtime.services()["findface-extraction-api"].state == "running"
