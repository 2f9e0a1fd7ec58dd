"""The simulated services as real processes on loopback: shards, extraction, upload, sf-api."""

from __future__ import annotations

import base64
import os
import signal

import pytest
from demo_helpers import galleries, log_text, per_gallery, wait_for

from ffwizard.demo import catalog, procs, scenario
from ffwizard.demo.httpkit import Client, HttpError
from ffwizard.demo.sandbox import open_sandbox

SHARD_1 = "findface-tarantool-server-shard-001"


def extract(box, object_type: str, images: list[bytes]) -> dict:
    client = Client(f"http://127.0.0.1:{box.ports.extraction_api}")
    return client.json("POST", "/v2/sim/extract",
                       {"object_type": object_type, "images": [base64.b64encode(i).decode() for i in images]})


def test_shard_answers_status_and_stat_list(sim_sandbox):
    box = open_sandbox(sim_sandbox.root)
    client = Client(box.shard_url(0))
    status = client.json("GET", "/status")
    assert status["read_only"] is False and status["objects"] == 150
    stat = Client(f"http://127.0.0.1:{box.ports.shard_http}").json("GET", "/stat/list/1/99")
    assert {g["name"]: g["count"] for g in stat} == galleries(box.shard_url(0))


def test_shard_keeps_its_data_across_restart_and_crash(sim_sandbox):
    box, runtime = open_sandbox(sim_sandbox.root), sim_sandbox.runtime
    client = Client(box.shard_url(0))
    client.json("POST", "/galleries/demo_extra/objects", {"model": "m1", "objects": [[1, "v1", "a.png"], [2, "v2", "b.png"]]})
    runtime.restart(SHARD_1)  # clean stop: snapshot
    assert galleries(box.shard_url(0))["demo_extra"] == 2
    Client(box.shard_url(0)).json("POST", "/galleries/demo_extra/objects", {"model": "m1", "objects": [[3, "v3", "c.png"]]})
    record = procs.read_record(box.root, SHARD_1)
    os.kill(record.pid, signal.SIGKILL)  # crash: only the log holds object 3
    assert wait_for(lambda: runtime.services()[SHARD_1].state == "exited")
    runtime.compose_up()
    assert runtime.services()[SHARD_1].state == "running"
    assert galleries(box.shard_url(0))["demo_extra"] == 3
    assert galleries(box.shard_url(0))["ffsec_face_events"] > 0


def test_gallery_refuses_another_model_and_known_ids(sim_sandbox):
    box = open_sandbox(sim_sandbox.root)
    client = Client(box.shard_url(1))
    with pytest.raises(HttpError) as refused:
        client.json("POST", "/galleries/ffsec_face_events/objects",
                    {"model": "face/nectarine_l_320.gpu.fnk", "objects": [[999999, "x", "y"]]})
    assert refused.value.status == 409 and "face/kiwi_320.gpu.fnk" in str(refused.value)
    existing = client.json("GET", "/galleries/ffsec_face_events/objects?limit=1")["objects"][0]
    with pytest.raises(HttpError) as duplicate:
        client.json("POST", "/galleries/ffsec_face_events/objects",
                    {"model": "face/kiwi_320.gpu.fnk", "objects": [existing]})
    assert duplicate.value.status == 409


def test_listing_pages_cover_every_object_once(sim_sandbox):
    box = open_sandbox(sim_sandbox.root)
    client, seen, after = Client(box.shard_url(2)), [], None
    while True:
        page = client.json("GET", "/galleries/ffsec_body_events/objects?limit=7" + (f"&after={after}" if after else ""))
        seen += [o[0] for o in page["objects"]]
        after = page["next"]
        if after is None:
            break
    assert seen == sorted(set(seen)) and len(seen) == galleries(box.shard_url(2))["ffsec_body_events"]


def test_model_change_changes_the_vectors(sim_sandbox):
    box, runtime = open_sandbox(sim_sandbox.root), sim_sandbox.runtime
    image = catalog.image_bytes("ffsec_face_events", 1)
    before = extract(box, "face", [image, image])
    assert before["model"] == "face/kiwi_320.gpu.fnk" and before["vectors"][0] == before["vectors"][1]
    assert before["vectors"][0] == catalog.vector("face/kiwi_320.gpu.fnk", image)
    scenario.set_extraction_model(box, "face", "face/nectarine_l_320.gpu.fnk")
    assert extract(box, "face", [image])["model"] == "face/kiwi_320.gpu.fnk"  # read at start only
    runtime.restart("findface-extraction-api")
    after = extract(box, "face", [image])
    assert after["model"] == "face/nectarine_l_320.gpu.fnk"
    assert after["vectors"][0] != before["vectors"][0]
    assert runtime.http_get(f"http://127.0.0.1:{box.ports.extraction_api}/").status == 405


def test_unknown_model_makes_extraction_fail_to_start(sim_sandbox):
    box, runtime = open_sandbox(sim_sandbox.root), sim_sandbox.runtime
    scenario.set_extraction_model(box, "body", "pedrec/no_such_model.gpu.fnk")
    runtime.restart("findface-extraction-api")
    assert runtime.services()["findface-extraction-api"].state == "exited"
    assert "pedrec/no_such_model.gpu.fnk: no such file" in log_text(sim_sandbox, "findface-extraction-api")
    assert not runtime.http_get(f"http://127.0.0.1:{box.ports.extraction_api}/", timeout=1).answered


def test_gpu_model_on_a_cpu_install_fails_to_start(sim_sandbox_factory):
    demo = sim_sandbox_factory("cpu", shards=1, objects=20, device="cpu", types=("face",))
    box = open_sandbox(demo.root)
    scenario.set_extraction_model(box, "face", "face/nectarine_m_160.cpu.fnk")
    demo.runtime.restart("findface-extraction-api")
    assert demo.runtime.services()["findface-extraction-api"].state == "running"
    scenario.set_extraction_model(box, "face", "face/nectarine_m_160.gpu.fnk")
    demo.runtime.restart("findface-extraction-api")
    assert demo.runtime.services()["findface-extraction-api"].state == "exited"
    assert "GPU model cannot be loaded by the CPU extraction-api" in log_text(demo, "findface-extraction-api")


def test_upload_store_serves_and_stores_images(sim_sandbox):
    box = open_sandbox(sim_sandbox.root)
    store = Client(f"http://127.0.0.1:{box.ports.upload}")
    object_id, _, path = Client(box.shard_url(0)).json("GET", "/galleries/ffsec_car_events/objects?limit=1")["objects"][0]
    assert path == catalog.image_path("ffsec_car_events", object_id)
    status, body = store.request("GET", f"/uploads/{path}")
    assert status == 200 and body == catalog.image_bytes("ffsec_car_events", object_id)
    assert store.request("PUT", "/uploads/new/one.png", b"PNGDATA", "image/png")[0] == 201
    assert store.request("GET", "/uploads/new/one.png") == (200, b"PNGDATA")
    assert (box.root / "data/findface-upload/uploads/new/one.png").read_bytes() == b"PNGDATA"
    assert store.request("GET", "/uploads/nothing.png")[0] == 404
    assert store.request("GET", "/uploads/../../etc/passwd")[0] in (403, 404)


def test_sf_api_sums_its_shards_and_follows_its_config_on_restart(sim_sandbox):
    box, runtime = open_sandbox(sim_sandbox.root), sim_sandbox.runtime
    sf_api = f"http://127.0.0.1:{box.ports.sf_api}/v2/"
    assert galleries(sf_api) == per_gallery([box.shard_url(i) for i in range(4)])
    assert sum(galleries(sf_api).values()) == 600
    scenario.point_sf_api_at(box, [box.shard_url(0)])
    runtime.restart("findface-sf-api")
    assert galleries(sf_api) == galleries(box.shard_url(0))


def test_shard_holds_its_tarantool_port_and_greets(sim_sandbox):
    import socket

    box = open_sandbox(sim_sandbox.root)
    with socket.create_connection(("127.0.0.1", box.ports.shard_tarantool + 1), timeout=5) as conn:
        greeting = b""
        while len(greeting) < 128:
            chunk = conn.recv(128 - len(greeting))
            if not chunk:
                break
            greeting += chunk
    assert greeting.startswith(b"Tarantool ") and len(greeting) == 128


def test_a_shard_whose_tarantool_port_is_taken_fails_to_start(sim_sandbox):
    import socket

    box, runtime = open_sandbox(sim_sandbox.root), sim_sandbox.runtime
    runtime.remove_services([SHARD_1])
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", box.ports.shard_tarantool))
        squatter.listen(1)
        runtime.compose_up()
        assert wait_for(lambda: runtime.services()[SHARD_1].state == "exited")
    assert f"cannot listen on TT_LISTEN 127.0.0.1:{box.ports.shard_tarantool}" in log_text(sim_sandbox, SHARD_1)
