"""The demo's sandboxes: a stopped one gives its ports back, `--stop` ends every process it
started, and a closed output pipe is no traceback."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time

import pytest

from ffwizard.demo import prepare_demo, stop_demo
from ffwizard.demo.orphans import sandbox_processes
from ffwizard.demo.ports import registry_dir


def claims_of(root) -> list[int]:
    found = []
    for path in registry_dir().glob("*.json"):
        data = json.loads(path.read_text())
        if data["root"] == str(root.resolve()):
            found.append(data["offset"])
    return found


@pytest.fixture
def own_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("FFSIM_PORT_REGISTRY", str(tmp_path / "registry"))


def test_a_stopped_sandbox_frees_its_port_block_and_claims_it_again(tmp_path, own_registry):
    demo = prepare_demo(tmp_path / "box", shards=1, objects=10, start=False)
    assert claims_of(demo.root)
    stop_demo(demo.root)
    assert claims_of(demo.root) == []  # 37 stopped sandboxes no longer exhaust the blocks
    again = prepare_demo(tmp_path / "box", shards=1, objects=10, start=False)
    offset = json.loads((again.root / ".sim" / "sandbox.json").read_text())["ports"]["offset"]
    assert claims_of(again.root) == [offset]
    stop_demo(again.root)


def test_stop_ends_a_service_process_that_has_no_record(tmp_path, own_registry):
    demo = prepare_demo(tmp_path / "box", shards=1, objects=10)
    try:
        records = demo.root / ".sim" / "procs"
        shard = next(p for p in records.glob("*.json") if "shard" in p.name)
        pid = json.loads(shard.read_text())["pid"]
        shard.unlink()  # as after a disk-full run that could not write it
        stop_demo(demo.root)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and pid in sandbox_processes(demo.root):
            time.sleep(0.05)
        assert pid not in sandbox_processes(demo.root)
        assert sandbox_processes(demo.root) == []
    finally:
        stop_demo(demo.root)


def test_a_process_whose_record_cannot_be_written_is_stopped(tmp_path, own_registry,
                                                             monkeypatch):
    from ffwizard.demo import procs

    demo = prepare_demo(tmp_path / "box", shards=1, objects=10, start=False)

    def full_disk(root, record):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(procs, "write_record", full_disk)
    try:
        with pytest.raises(OSError):
            demo.runtime.compose_up()
        assert sandbox_processes(demo.root) == []
    finally:
        monkeypatch.undo()
        stop_demo(demo.root)


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`ffwizard plan … | head`: the reader is gone; no traceback, SIGPIPE's status."""
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1] / "unit"))
    from install_fixtures import copy_install

    root = copy_install("shards16", tmp_path)
    reader_gone = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader_gone.wait()
    result = subprocess.run([sys.executable, "-m", "ffwizard", "plan", "--root", str(root)],
                            stdout=reader_gone.stdin, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "LANG": "C.UTF-8"})
    reader_gone.stdin.close()
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.stderr == ""
    assert result.returncode == 141


def test_demo_into_a_closed_pipe_ends_quietly(tmp_path, own_registry):
    reader_gone = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader_gone.wait()
    box = tmp_path / "box"
    try:
        result = subprocess.run([sys.executable, "-m", "ffwizard", "demo", "--prepare-only",
                                 "--sandbox", str(box), "--shards", "1", "--objects", "10"],
                                stdout=reader_gone.stdin, stderr=subprocess.PIPE, text=True,
                                timeout=120)
    finally:
        reader_gone.stdin.close()
        if (box / ".sim" / "sandbox.json").exists():
            stop_demo(box)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 141
