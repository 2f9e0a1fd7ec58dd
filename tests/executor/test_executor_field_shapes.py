"""Shapes of real sites on a real simulated installation: `plan` and `apply --runtime sim` end
to end on replicas, shards on container addresses sharing one port, and a compose project named
by nothing but its containers' labels; replicas on another host refused in one sentence."""

from __future__ import annotations

import json

import pytest
import yaml
from executor_helpers import ffwizard, write_answers

from ffwizard.demo.storage import ShardStore
from ffwizard.runtime.sim import SimRuntime

SF_API = "configs/findface-sf-api/findface-sf-api.yaml"


def sf_api_shards(root) -> list[dict]:
    return yaml.safe_load((root / SF_API).read_text())["storage-api"]["shards"]


def objects_in(root, service: str, runtime: SimRuntime) -> int:
    """Objects a shard (or replica) serves, asked where it listens (its own address or not)."""
    compose = yaml.safe_load((root / "docker-compose.yaml").read_text())
    env = compose["services"][service]["environment"]
    host = service if env["CFG_LISTEN_HOST"] == "0.0.0.0" else env["CFG_LISTEN_HOST"]
    answer = runtime.http_get(f"http://{host}:{env['CFG_LISTEN_PORT']}/v2/status")
    assert answer.status == 200, answer
    return json.loads(answer.body)["objects"]


def apply(root, tmp_path):
    return ffwizard("apply", "--root", str(root), "--runtime", "sim", "--yes",
                    "--answers", str(write_answers(tmp_path)), timeout=300)


@pytest.mark.parametrize("shape", ["replicas", "one-port-replicas"])
def test_replicas_get_new_replicas_beside_the_new_shards(make_sandbox, tmp_path, shape):
    root = make_sandbox(shape=shape, objects=200)
    before = sf_api_shards(root)
    assert all(entry["slave"] for entry in before)
    plan = ffwizard("plan", "--root", str(root), "--runtime", "sim", "--json")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    shards = json.loads(plan.stdout)["installation"]["shards"]
    assert len(shards) == 2 and all(s["replica"] for s in shards)  # replicas are not shards

    done = apply(root, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    after = sf_api_shards(root)
    services = SimRuntime(root).services()
    runtime = SimRuntime(root)
    compose = yaml.safe_load((root / "docker-compose.yaml").read_text())["services"]

    def address(service: str) -> str:  # the port sf-api must name (and the name, if shared)
        port = compose[service]["environment"]["CFG_LISTEN_PORT"]
        return f"{service}:{port}" if shape == "one-port-replicas" else f":{port}/"

    for entry, number in zip(after, (11, 12)):
        master = f"findface-tarantool-server-shard-{number:03d}"
        assert address(master) in entry["master"]
        assert address(f"{master}-replica") in entry["slave"]  # never '' over a replica
        assert services[f"{master}-replica"].state == "running"
        # the replica follows its new master, not an old shard
        assert objects_in(root, f"{master}-replica", runtime) == objects_in(root, master, runtime)
    assert sum(objects_in(root, f"findface-tarantool-server-shard-{n:03d}", runtime)
               for n in (11, 12)) == 200
    replica = compose["findface-tarantool-server-shard-011-replica"]["environment"]
    master = compose["findface-tarantool-server-shard-011"]["environment"]
    assert replica["TT_REPLICATION"].rsplit(":", 1)[1] == master["TT_LISTEN"].rsplit(":", 1)[1]
    assert not any(name.endswith(("001", "002", "001-replica", "002-replica")) for name in compose)
    # the old shards and their replicas' directories stay
    for name in ("shard-001", "shard-001-replica"):
        assert (root / "data/findface-tarantool-server" / name).is_dir()


def test_shards_on_container_addresses_sharing_one_port(make_sandbox, tmp_path):
    root = make_sandbox(shape="one-port", objects=200)
    # nothing of the shards answers on the host's loopback: only at their own addresses
    runtime = SimRuntime(root)
    assert runtime.reachable_url("http://findface-tarantool-server-shard-001:8001/v2/") \
        != "http://findface-tarantool-server-shard-001:8001/v2/"
    done = apply(root, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    after = sf_api_shards(root)
    assert [e["master"] for e in after] == [
        "http://findface-tarantool-server-shard-011:8001/v2/",
        "http://findface-tarantool-server-shard-012:8001/v2/"]
    migration = next(root.glob(".ffwizard/runs/*/migration.yaml"), None)
    if migration is not None:  # the tool runs inside the network: service-name URLs kept
        assert "findface-tarantool-server-shard-011:8001" in migration.read_text()
    total = 0
    for n in (11, 12):
        store = ShardStore(root / "data/findface-tarantool-server" / f"shard-0{n}").load()
        total += sum(s["count"] for s in store.stats())
        store.close()
    assert total == 200


def test_project_named_only_by_the_labels(make_sandbox, tmp_path):
    root = make_sandbox(shape="renamed-project", objects=100)
    plan = ffwizard("plan", "--root", str(root), "--runtime", "sim", "--json")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert json.loads(plan.stdout)["installation"]["project"] == "oe"
    done = apply(root, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "-p oe" in done.stdout or "oe-findface" in done.stdout
    assert f"-p {root.name}" not in done.stdout


def test_project_labels_and_files_disagree_refused(make_sandbox, tmp_path):
    root = make_sandbox(shape="renamed-project", objects=100)
    (root / ".env").write_text("COMPOSE_PROJECT_NAME=findface-multi\n")
    done = apply(root, tmp_path)
    assert done.returncode == 2
    assert "belong to the compose project 'oe'" in done.stderr + done.stdout
    assert not (root / ".ffwizard" / "run").exists()


def test_replicas_on_another_host_refused_naming_it(make_sandbox, tmp_path):
    root = make_sandbox(shape="replicas-remote", objects=100)
    for lang, words in (("en", "lives on another host, 10.0.0.12"),
                        ("ru", "находится на другом хосте, 10.0.0.12")):
        plan = ffwizard("--lang", lang, "plan", "--root", str(root))
        assert plan.returncode == 2
        assert words in " ".join((plan.stdout + plan.stderr).split())
    before = (root / SF_API).read_bytes()
    done = apply(root, tmp_path)
    assert done.returncode == 2 and (root / SF_API).read_bytes() == before
