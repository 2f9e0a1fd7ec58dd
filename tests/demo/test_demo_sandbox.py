"""The sandbox generator: file shapes detection reads, galleries, models, ports, refusals."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
import yaml
from demo_helpers import galleries, per_gallery

from ffwizard.core.errors import UserError
from ffwizard.demo import catalog, ports
from ffwizard.demo.sandbox import build_sandbox, gallery_counts, open_sandbox
from ffwizard.demo.storage import ShardStore
from ffwizard.runtime.sim import prepare_demo, stop_demo


@pytest.fixture
def private_port_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("FFSIM_PORT_REGISTRY", str(tmp_path / "registry"))


def test_tree_has_the_vendor_shapes(tmp_path):
    box = build_sandbox(tmp_path / "s", shards=3, objects=90, device="cpu", types=("face", "car"))
    try:
        root = box.root
        compose = yaml.safe_load((root / "docker-compose.yaml").read_text())["services"]
        shard_names = sorted(n for n in compose if n.startswith("findface-tarantool-server-shard-"))
        assert shard_names == [f"findface-tarantool-server-shard-00{i}" for i in (1, 2, 3)]
        env = compose["findface-tarantool-server-shard-002"]["environment"]
        assert env["CFG_LISTEN_PORT"] == str(box.ports.shard_http + 1)
        assert env["TT_LISTEN"] == f"127.0.0.1:{box.ports.shard_tarantool + 1}"
        assert env["TT_WORK_DIR"] == "/var/lib/tarantool/FindFace"
        assert compose["findface-tarantool-server-shard-002"]["volumes"][0] == \
            "./data/findface-tarantool-server/shard-002:/var/lib/tarantool/FindFace"
        assert "extraction-api-cpu" in compose["findface-extraction-api"]["image"]
        assert {"pause", "findface-ntls", "findface-sf-api", "findface-upload", "findface-multi-legacy",
                "postgresql", "redis", "memcached"} <= set(compose)
        text = (root / "docker-compose.yaml").read_text()
        assert text.startswith("#") and "    environment: {CFG_EXTRA_LUA:" in text  # flow style, comments

        extraction = yaml.safe_load((root / "configs/findface-extraction-api/findface-extraction-api.yaml").read_text())
        models = extraction["extractors"]["models"]
        assert models["face_emben"]["default"]["model"] == "face/kiwi_320.cpu.fnk"
        assert models["car_emben"]["default"]["model"] == "carrec/tiny_vgg_160.cpu.fnk"
        assert models["body_emben"]["default"]["model"] == ""
        assert extraction["listen"] == f"127.0.0.1:{box.ports.extraction_api}"

        sf_api = yaml.safe_load((root / "configs/findface-sf-api/findface-sf-api.yaml").read_text())
        assert [s["master"] for s in sf_api["storage-api"]["shards"]] == [box.shard_url(i) for i in range(3)]
        assert sf_api["normalized-storage"]["webdav"]["upload-url"] == f"http://127.0.0.1:{box.ports.upload}/uploads/"
        assert "'CLUSTERING_ENABLED': True" in (root / "configs/findface-multi-legacy/findface-multi-legacy.py").read_text()
        assert (root / "configs/findface-tarantool-server/tnt-schema.lua").is_file()
        for i in (1, 2, 3):
            assert sorted(p.name for p in (root / f"data/findface-tarantool-server/shard-00{i}").iterdir()) == \
                ["index", "snapshots", "xlogs"]

        models_dir = root / ".sim/containers/findface-extraction-api/usr/share/findface-data/models"
        files = {str(p.relative_to(models_dir)) for p in models_dir.rglob("*.fnk")}
        assert {"face/nectarine_l_320.cpu.fnk", "face/nectarine_l_320.gpu.fnk", "pedrec/wheat_m_256.gpu.fnk",
                "carrec/cedar_m_224.cpu.fnk", "detector/face.jasmine_fast.004.cpu.fnk"} <= files
    finally:
        ports.release_block(box.root, box.ports.offset)


def test_detection_reads_the_sandbox(tmp_path):
    from ffwizard.core.detect import detect

    box = build_sandbox(tmp_path / "s", shards=5, objects=50, device="gpu")
    try:
        found = detect(box.root)
        assert [s.name for s in found.shards] == [f"shard-00{i}" for i in range(1, 6)]
        assert [s.http_port for s in found.shards] == [box.ports.shard_http + i for i in range(5)]
        assert found.device == "gpu"
        assert found.models == {"face": "face/kiwi_320.gpu.fnk", "body": "pedrec/vanilla_s_180.gpu.fnk",
                                "car": "carrec/tiny_vgg_160.gpu.fnk"}
        assert found.clustering_enabled is True
        assert found.project == "findface-multi"
        assert not found.blocking, found.problems
    finally:
        ports.release_block(box.root, box.ports.offset)


def test_objects_are_spread_over_every_shard_and_gallery(tmp_path):
    box = build_sandbox(tmp_path / "s", shards=4, objects=1000)
    try:
        totals: dict[str, int] = {}
        per_shard = []
        for i in range(4):
            store = ShardStore(box.root / f"data/findface-tarantool-server/shard-00{i + 1}").load()
            per_shard.append(sum(len(g.objects) for g in store.galleries.values()))
            for name, g in store.galleries.items():
                totals[name] = totals.get(name, 0) + len(g.objects)
                object_type = catalog.gallery_type(name)
                assert g.model == catalog.model_file(object_type, catalog.EMBEDDING_MODELS[object_type][0], "gpu")
                object_id, (vector, image) = next(iter(g.objects.items()))
                stored = (box.root / "data/findface-upload/uploads" / image).read_bytes()
                assert vector == catalog.vector(g.model, stored)
            store.close()
        assert sum(totals.values()) == 1000 and totals == gallery_counts(box.types, 1000)
        assert set(totals) == set(catalog.galleries_for(box.types))
        assert min(per_shard) >= 200  # spread, not piled on one shard
    finally:
        ports.release_block(box.root, box.ports.offset)


def test_refuses_a_non_empty_directory_and_bad_values(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty and is not a demo sandbox"):
        prepare_demo(tmp_path / "busy")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]
    with pytest.raises(UserError, match="--types"):
        build_sandbox(tmp_path / "t", types=("face", "boat"))
    with pytest.raises(UserError, match="--shards"):
        build_sandbox(tmp_path / "u", shards=0)


def test_vendor_ports_are_shifted_as_a_whole_when_one_is_busy(tmp_path, private_port_registry):
    with socket.socket() as busy:
        # A port the suite's sandboxes used a moment ago may still have connections in
        # TIME_WAIT: without SO_REUSEADDR the bind fails there although nothing listens.
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for attempt in range(20):  # another program may take the block's port we let go
            first = ports.claim_block(tmp_path / f"a{attempt}", shards=4)
            ports.release_block(tmp_path / f"a{attempt}", first.offset)
            try:
                busy.bind(("127.0.0.1", first.sf_api))
                break
            except OSError:
                continue
        else:
            pytest.fail("no block's sf-api port could be taken in 20 tries: the test proves nothing")
        busy.listen(1)
        block = ports.claim_block(tmp_path / "b", shards=4)
    # Another block (a lower one may have been let go by another run meanwhile), whole.
    assert block.offset != first.offset and block.offset % ports.STEP == 0
    assert block.sf_api - ports.VENDOR["sf_api"] == block.shard_http - ports.VENDOR["shard_http"] == block.offset
    assert first.sf_api not in block.all_ports()


def test_two_sandboxes_side_by_side_do_not_collide(sim_sandbox_factory):
    a = sim_sandbox_factory("a", shards=2, objects=100)
    b = sim_sandbox_factory("b", shards=3, objects=240)
    box_a, box_b = open_sandbox(a.root), open_sandbox(b.root)
    assert not box_a.ports.all_ports() & box_b.ports.all_ports()
    assert sum(per_gallery([box_a.shard_url(i) for i in range(2)]).values()) == 100
    assert sum(per_gallery([box_b.shard_url(i) for i in range(3)]).values()) == 240
    sf_b = galleries(f"http://127.0.0.1:{box_b.ports.sf_api}/v2/")
    assert sum(sf_b.values()) == 240
    assert all(s.state == "running" for s in a.runtime.services().values())
    assert all(s.state == "running" for s in b.runtime.services().values())


def test_cli_prepare_only_reuse_and_stop(tmp_path):
    root = tmp_path / "cli"
    cmd = [sys.executable, "-m", "ffwizard", "demo", "--sandbox", str(root), "--shards", "2",
           "--objects", "40", "--prepare-only"]
    try:
        first = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert first.returncode == 0, first.stderr
        assert f"ffwizard demo --stop {root}" in first.stdout and "2 shards" in first.stdout
        marker = json.loads((root / ".sim/sandbox.json").read_text())
        again = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0 and "Reusing" in again.stdout
        assert json.loads((root / ".sim/sandbox.json").read_text()) == marker
        stop = subprocess.run([sys.executable, "-m", "ffwizard", "demo", "--stop", str(root)],
                              capture_output=True, text=True, timeout=60)
        assert stop.returncode == 0 and "Stopped" in stop.stdout
        from ffwizard.runtime.sim import SimRuntime

        assert {s.state for s in SimRuntime(root).services().values()} == {"exited"}
        refused = subprocess.run([sys.executable, "-m", "ffwizard", "demo", "--sandbox", str(tmp_path),
                                  "--prepare-only"], capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and "not a demo sandbox" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        if (root / ".sim/sandbox.json").exists():
            stop_demo(root, release_ports=True)


def test_an_interrupted_build_leaves_the_directory_empty_and_its_ports_free(tmp_path, monkeypatch,
                                                                            private_port_registry):
    from ffwizard.demo import sandbox as sandbox_module

    def interrupted(box):
        raise KeyboardInterrupt

    monkeypatch.setattr(sandbox_module, "fill_galleries", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_sandbox(tmp_path / "cut", shards=2, objects=10)
    assert list((tmp_path / "cut").iterdir()) == []
    assert list(ports.registry_dir().iterdir()) == []
    monkeypatch.undo()
    monkeypatch.setenv("FFSIM_PORT_REGISTRY", str(tmp_path / "registry"))
    box = build_sandbox(tmp_path / "cut", shards=2, objects=10)  # the same directory is usable again
    ports.release_block(box.root, box.ports.offset)


def test_port_blocks_stay_out_of_the_ephemeral_range_and_apart():
    from ffwizard.demo.ports import STEP, PortBlock, ephemeral_ports

    ephemeral = ephemeral_ports()
    usable = []
    offset = 0
    while True:
        block = PortBlock.at(offset, 16)
        if block.overlaps_itself() or max(block.all_ports()) > 65535:
            break
        if not any(p in ephemeral for p in block.all_ports()):
            usable.append(block)
        offset += STEP
    assert len(usable) >= 10  # room for many sandboxes side by side
    # Neighbouring blocks never share a port; farther ones may, and claim_block checks claims.
    for a, b in zip(usable, usable[1:]):
        assert not (a.all_ports() & b.all_ports()), (a.offset, b.offset)


def test_a_port_taken_between_the_claim_and_the_start_moves_the_sandbox(tmp_path, monkeypatch,
                                                                        private_port_registry):
    """A program that does not hold its ports the way ffwizard does takes one of the block
    while the sandbox is being built: the services that cannot listen are not left behind, the
    sandbox is built again on another block."""
    from ffwizard.demo import sandbox as sandbox_module

    claim = sandbox_module.claim_block
    squatters: list[socket.socket] = []

    def claim_then_lose_a_port(root, shards):
        block = claim(root, shards)
        if not squatters:
            squatter = socket.socket()
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", block.sf_api))
            squatter.listen(1)
            squatters.append(squatter)
        return block

    monkeypatch.setattr(sandbox_module, "claim_block", claim_then_lose_a_port)
    try:
        demo = prepare_demo(tmp_path / "moved", shards=2, objects=40)
        try:
            box = open_sandbox(demo.root)
            taken = squatters[0].getsockname()[1]
            assert taken not in box.ports.all_ports()
            states = demo.runtime.services()
            assert all(s.state == "running" for s in states.values()), states
            assert sum(per_gallery([box.shard_url(i) for i in range(2)]).values()) == 40
        finally:
            stop_demo(demo.root, release_ports=True)
    finally:
        for squatter in squatters:
            squatter.close()
