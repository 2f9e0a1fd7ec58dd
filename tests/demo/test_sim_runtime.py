"""The sim runtime's container semantics: compose up/recreate/orphans, states, pids."""

from __future__ import annotations

import dataclasses
import os

import pytest

from ffwizard.core.errors import RuntimeUnavailable, UserError
from ffwizard.demo import procs, scenario
from ffwizard.demo.sandbox import open_sandbox
from ffwizard.runtime import open_runtime
from ffwizard.runtime.sim import SimRuntime

SHARD = "findface-tarantool-server-shard-{:03d}"


def pids(root) -> dict[str, int]:
    return {name: r.pid for name, r in procs.all_records(root).items()}


def test_open_runtime_gives_the_sim_runtime(sim_sandbox):
    runtime = open_runtime("sim", sim_sandbox.root, sim_sandbox.project, sim_sandbox.compose_file)
    assert isinstance(runtime, SimRuntime)
    runtime.ping()
    state = runtime.services()["findface-sf-api"]
    assert state.state == "running" and state.container == "findface-multi-findface-sf-api-1"
    assert state.image.endswith("sf-api:ffserver-9.230407.1")


def test_compose_up_starts_new_recreates_changed_and_keeps_the_rest(sim_sandbox):
    runtime, root = sim_sandbox.runtime, sim_sandbox.root
    box = open_sandbox(root)
    before = pids(root)
    scenario.add_new_shards(box)
    compose = box.compose_file.read_text()
    marker = f"CFG_LISTEN_PORT: '{box.ports.shard_http}', CFG_NTLS: '127.0.0.1:{box.ports.ntls}', TT_CHECKPOINT_COUNT: 3"
    assert marker in compose
    box.compose_file.write_text(compose.replace(marker, marker[:-1] + "2"))
    result = runtime.compose_up()
    after = pids(root)
    assert result.exit_code == 0
    assert f"{SHARD.format(11)}-1  Started" in result.output and f"{SHARD.format(1)}-1  Recreated" in result.output
    assert after[SHARD.format(1)] != before[SHARD.format(1)]
    assert after[SHARD.format(2)] == before[SHARD.format(2)]
    assert after["findface-sf-api"] == before["findface-sf-api"]
    states = runtime.services()
    down = {name: procs.read_record(root, name) for name in
            (SHARD.format(n) for n in (1, 2, 11, 12, 13, 14)) if states[name].state != "running"}
    assert not down, {name: open(r.log).read()[-600:] if r else None for name, r in down.items()}
    assert runtime.http_get(box.shard_url(10) + "status").status == 200


def test_orphans_stay_until_remove_orphans(sim_sandbox):
    runtime = sim_sandbox.runtime
    box = open_sandbox(sim_sandbox.root)
    scenario.remove_shard_services(box, [SHARD.format(4)])
    kept = runtime.compose_up()
    assert "Found orphan containers (findface-multi-findface-tarantool-server-shard-004-1)" in kept.output
    assert runtime.services()[SHARD.format(4)].state == "running"
    removed = runtime.compose_up(remove_orphans=True)
    assert "shard-004-1  Removed" in removed.output
    assert SHARD.format(4) not in runtime.services()
    assert not runtime.http_get(box.shard_url(3) + "status", timeout=1).answered
    # its data stays on disk
    assert any((box.root / "data/findface-tarantool-server/shard-004/snapshots").iterdir())


def test_remove_services_and_errors(sim_sandbox, tmp_path):
    runtime = sim_sandbox.runtime
    runtime.remove_services([SHARD.format(3)])
    assert SHARD.format(3) not in runtime.services()
    with pytest.raises(UserError, match="not running"):
        runtime.exec(SHARD.format(3), ["ls"])
    with pytest.raises(UserError, match="no container"):
        runtime.restart(SHARD.format(3))
    runtime.compose_up()
    assert runtime.services()[SHARD.format(3)].state == "running"
    with pytest.raises(RuntimeUnavailable):
        SimRuntime(tmp_path / "nothing").ping()


def test_a_reused_pid_is_never_taken_for_the_service(sim_sandbox):
    root = sim_sandbox.root
    record = procs.read_record(root, "redis")
    procs.stop(record)
    # The same pid number now belongs to another process (here: this test process).
    impostor = dataclasses.replace(record, pid=os.getpid())
    procs.write_record(root, impostor)
    assert sim_sandbox.runtime.services()["redis"].state == "exited"
    procs.stop(impostor)  # must not signal this process
    sim_sandbox.runtime.stop_all()
    assert os.getpid() > 0  # still alive
    assert {s.state for s in sim_sandbox.runtime.services().values()} == {"exited"}
    sim_sandbox.runtime.compose_up()
    assert sim_sandbox.runtime.services()["redis"].state == "running"
