"""`ffwizard plan`: human and JSON output, exit status 0 / 2, clear messages, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from install_fixtures import INSTALLS, copy_install, make_installs

from ffwizard.cli import main

# What plan proposes for a fixture installation, on a host where those ports are free.
pytestmark = pytest.mark.usefixtures("host_ports_free")


def run_plan(capsys, *args):
    status = main(["plan", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_output_shape(capsys):
    status, out, err = run_plan(capsys, "--root", INSTALLS / "gpu8", "--json")
    assert status == 0, err
    data = json.loads(out)
    inst = data["installation"]
    assert inst["project"] == "gpu8" and inst["device"] == "gpu"
    assert inst["models"]["face"] == "face/ifruit_320.gpu.fnk"
    assert inst["shards"][0] == {
        "name": "shard-001", "service": "findface-tarantool-server-shard-001",
        "http_port": 8101, "tarantool_port": 32001,
        "data_dir": str(INSTALLS.resolve() / "gpu8/data/findface-tarantool-server/shard-001"),
        "url": "http://127.0.0.1:8101/v2/", "sources": ["compose", "sf-api", "dir"]}
    assert [s["name"] for s in data["new_shards"]] == [f"shard-0{n}" for n in range(11, 19)]
    steps = {s["id"]: s for s in data["steps"]}
    assert set(steps["add_new_shards"]) >= {"id", "title", "commands", "diffs", "reversible",
                                             "point_of_no_return", "explanation", "undo"}
    compose_path = str(INSTALLS.resolve() / "gpu8/docker-compose.yaml")
    assert steps["add_new_shards"]["diffs"][compose_path].startswith("--- a/docker-compose.yaml")
    assert steps["switch_sf_api"]["point_of_no_return"] is True
    assert all(isinstance(c, list) for s in data["steps"] for c in s["commands"])
    assert {p["severity"] for p in data["problems"]} == {"warning"}  # same models as today


def test_human_output(capsys, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("object_types: [face]\nmodels: {face: face/jackfruit_480.cpu.fnk}\n")
    status, out, _ = run_plan(capsys, "--root", INSTALLS / "cpu4_block", "--answers", answers)
    assert status == 0
    assert "project ffmulti_cpu" in out
    assert "shards         4: shard-001…shard-004 (HTTP 8101…8104, Tarantool 32001…32004)" in out
    assert "face/ifruit_320.cpu.fnk → face/jackfruit_480.cpu.fnk" in out
    assert " 1. Back up the feature-vector database" in out
    assert "point of no return" in out
    assert out.index("point of no return") < out.index("Point sf-api at the new shards")
    assert "+      - CFG_LISTEN_PORT=8111" in out
    assert "Problems" not in out
    assert "The plan can run" in out


def test_blocked_plan_exits_2_with_plain_problems(capsys):
    status, out, _ = run_plan(capsys, "--root", INSTALLS / "disagree")
    assert status == 2
    assert "error: sf-api uses shard http://127.0.0.1:8105/v2/" in out
    assert out.endswith("The plan cannot run until the 3 errors above are fixed.\n")


def test_blocked_json_lists_errors_on_stderr(capsys):
    status, out, err = run_plan(capsys, "--root", INSTALLS / "flat_models", "--json")
    assert status == 2
    assert json.loads(out)["blocked"] is True
    assert "names its models without _emben" in err


@pytest.mark.parametrize("answers_text,expected,line", [
    ("object_types: [face, plane]\n", "unknown object type 'plane'", 1),
    ("# new shards by hand\nbackup_dir: /srv\nnew_shards:\n"
     "- {name: shard-011, http_port: 99999, tarantool_port: 32011}\n",
     "http_port must be a port number from 1 to 65535", 4),  # the item's line
    ("object_types: [face]\nmodles: {}\n", "Did you mean 'models'?", 2),
])
def test_bad_answers_exit_2(capsys, tmp_path, answers_text, expected, line):
    answers = tmp_path / "answers.yaml"
    answers.write_text(answers_text)
    status, out, _ = run_plan(capsys, "--root", INSTALLS / "gpu8", "--answers", answers)
    assert status == 2
    assert expected in out
    assert f"({answers}:{line})" in out


def test_malformed_answers_file_names_the_line(capsys, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("object_types: [face\n")
    status, out, err = run_plan(capsys, "--root", INSTALLS / "gpu8", "--answers", answers)
    assert status == 2
    assert err.startswith(f"ffwizard: {answers}:")
    assert "not valid YAML" in err


def test_available_models_file(capsys, tmp_path):
    listing = tmp_path / "models.txt"
    listing.write_text("face/ifruit_320.gpu.fnk\nface/kiwi_1024.gpu.fnk\npedrec/pedrec_v2.gpu.fnk\n"
                       "carrec/carrec_v3.gpu.fnk\n")
    status, out, _ = run_plan(capsys, "--root", INSTALLS / "gpu8", "--json",
                              "--available-models", listing)
    assert status == 0
    assert json.loads(out)["answers"]["models"] == {
        "face": "face/kiwi_1024.gpu.fnk", "body": "pedrec/pedrec_v2.gpu.fnk",
        "car": "carrec/carrec_v3.gpu.fnk"}


def test_s3_secrets_never_printed(capsys):
    for args in ([], ["--json"]):
        status, out, err = run_plan(capsys, "--root", INSTALLS / "s3", *args)
        assert status == 0
        assert make_installs.S3_SECRET not in out + err
        assert make_installs.S3_ACCESS not in out + err


def test_no_traceback_for_a_missing_install(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ffwizard", "plan", "--root",
                             str(tmp_path / "none")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    # one sentence naming the root (its wording depends on what this machine holds: see
    # test_shapes.py, where the well-known paths are pointed at temporary directories)
    assert result.stdout == ""
    assert str(tmp_path / "none") in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_plan_writes_nothing(capsys, tmp_path):
    root = copy_install("gpu8", tmp_path)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    texts = {p: p.read_bytes() for p in root.rglob("*.yaml")}
    run_plan(capsys, "--root", root)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert all(p.read_bytes() == data for p, data in texts.items())
