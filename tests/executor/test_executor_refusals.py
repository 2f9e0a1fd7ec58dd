"""Bad input and an installation that is not ready: each refused with a clear sentence (exit 2),
before anything changes."""

from __future__ import annotations

import json
import os
import socket

import pytest
from executor_helpers import (
    NEW_MODELS,
    ffwizard,
    install_files,
    shard_dirs,
    tree_digest,
    write_answers,
)

from ffwizard.core.journal import current_run_dir
from ffwizard.core.lock import InstallLock


def snapshot(root):
    return install_files(root), {d.name: tree_digest(d) for d in shard_dirs(root)}


def apply(root, answers, *extra, env=None):
    return ffwizard("apply", "--root", str(root), "--answers", str(answers), "--runtime", "sim",
                    "--yes", *extra, env=env)


def assert_refused_unchanged(result, root, before, *phrases):
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr
    assert snapshot(root) == before
    assert not current_run_dir(root).exists()


@pytest.fixture
def sandbox(make_sandbox):
    root = make_sandbox()
    return root, snapshot(root)


def test_malformed_answers_file(sandbox, tmp_path):
    root, before = sandbox
    answers = tmp_path / "answers.yaml"
    answers.write_text("models: {face: face/x.gpu.fnk\nobject_types: [face]\n")
    result = apply(root, answers)
    assert_refused_unchanged(result, root, before, str(answers))


def test_unknown_answer_key_is_named_with_a_suggestion(sandbox, tmp_path):
    root, before = sandbox
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"model": NEW_MODELS["gpu"]}))
    result = apply(root, answers)
    assert_refused_unchanged(result, root, before, "unknown key 'model'", "Did you mean 'models'?")


def test_model_that_does_not_exist(sandbox, tmp_path):
    root, before = sandbox
    answers = write_answers(tmp_path, models={"face": "face/durian_999.gpu.fnk"})
    result = apply(root, answers)
    assert_refused_unchanged(result, root, before, "face/durian_999.gpu.fnk")


def test_gpu_model_on_a_cpu_installation(make_sandbox, tmp_path):
    root = make_sandbox(device="cpu")
    before = snapshot(root)
    answers = write_answers(tmp_path, device="cpu", models={"face": NEW_MODELS["gpu"]["face"]})
    result = apply(root, answers)
    assert_refused_unchanged(result, root, before, "face/nectarine_m_160.gpu.fnk")
    assert "CPU" in result.stderr or "cpu" in result.stderr


def test_new_port_already_in_use(sandbox, tmp_path):
    """A new shard's port another program listens on: a proposal passes over it (tests/unit/
    test_plan_output.py); one given in the answers is refused before anything runs."""
    root, before = sandbox
    from executor_helpers import plan_of

    shards = plan_of(root).new_shards
    port = shards[0].http_port
    given = [{"name": s.name, "http_port": s.http_port, "tarantool_port": s.tarantool_port}
             for s in shards]
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        result = apply(root, write_answers(tmp_path, new_shards=given))
    assert_refused_unchanged(result, root, before, f"HTTP port {port} is in use on this host "
                             "by another program")


def test_lock_held_names_the_holder(sandbox, tmp_path):
    root, before = sandbox
    with InstallLock(root, "apply"):
        result = apply(root, write_answers(tmp_path))
        resumed = ffwizard("resume", "--root", str(root))
    assert_refused_unchanged(result, root, before, f"pid {os.getpid()}", "since")
    assert resumed.returncode == 2 and f"pid {os.getpid()}" in resumed.stderr


def test_services_stopped(sandbox, tmp_path):
    root, before = sandbox
    from ffwizard.runtime.sim import SimRuntime

    SimRuntime(root).stop_all()
    result = apply(root, write_answers(tmp_path))
    assert_refused_unchanged(result, root, before, "findface-sf-api is exited, not running")


def test_simulated_runtime_gone(sandbox, tmp_path):
    root, before = sandbox
    marker = root / ".sim" / "sandbox.json"
    saved = marker.read_bytes()
    marker.unlink()
    try:
        result = apply(root, write_answers(tmp_path))
    finally:
        marker.write_bytes(saved)
    assert_refused_unchanged(result, root, before, "not a demo sandbox")


def test_docker_engine_down(sandbox, tmp_path):
    root, before = sandbox
    result = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "docker", "--yes",
                      env={"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"})
    assert_refused_unchanged(result, root, before, "Docker Engine does not answer")


def test_required_container_missing(sandbox, tmp_path):
    root, before = sandbox
    from ffwizard.runtime.sim import SimRuntime

    SimRuntime(root).remove_services(["findface-extraction-api"])
    result = apply(root, write_answers(tmp_path))
    assert_refused_unchanged(result, root, before, "findface-extraction-api has no container")


def test_old_shard_down(sandbox, tmp_path):
    root, before = sandbox
    from ffwizard.runtime.sim import SimRuntime

    SimRuntime(root).stop_service("findface-tarantool-server-shard-002")
    result = apply(root, write_answers(tmp_path))
    assert_refused_unchanged(result, root, before, "not healthy")


def test_disk_too_small(sandbox, tmp_path):
    root, before = sandbox
    result = apply(root, write_answers(tmp_path), env={"FFWIZARD_TEST_DISK_FREE_BYTES": "4096"})
    assert_refused_unchanged(result, root, before, "free", "free some space first")


def test_memory_too_small(sandbox, tmp_path):
    root, before = sandbox
    result = apply(root, write_answers(tmp_path), env={"FFWIZARD_TEST_MEM_AVAILABLE_BYTES": "1048576"})
    assert_refused_unchanged(result, root, before, "TT_MEMTX_MEMORY")


def test_read_only_config_file(sandbox, tmp_path):
    root, before = sandbox
    config = root / "configs/findface-extraction-api/findface-extraction-api.yaml"
    os.chmod(config, 0o444)
    before = snapshot(root)
    result = apply(root, write_answers(tmp_path))
    assert_refused_unchanged(result, root, before, f"{config} is read-only")
