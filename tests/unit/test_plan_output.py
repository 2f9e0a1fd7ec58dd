"""What an engineer on site reads from `ffwizard plan`: bad answers located on their own line and
said plainly, prose that fits a terminal, paths relative to the root named once, problems at the
end with errors first, and JSON that is valid and the same from run to run."""

from __future__ import annotations

import json
import re

import pytest
from install_fixtures import INSTALLS, copy_install

from ffwizard.cli import main
from ffwizard.commands.plan import WIDTH, _span


@pytest.fixture(autouse=True)
def compose_v2(monkeypatch):
    from ffwizard.core import compose

    monkeypatch.setattr(compose, "installed_compose_command", lambda: ["docker", "compose"])


def run_plan(capsys, *args):
    status = main(["plan", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def answers_file(tmp_path, text: str):
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    return path


def problem_lines(out: str) -> list[str]:
    """The Problems section, each problem joined back onto one line."""
    section = out.split("\nProblems\n", 1)[1].split("\n\n", 1)[0]
    joined: list[str] = []
    for line in section.splitlines():
        if line.startswith("    "):
            joined[-1] += " " + line.strip()
        else:
            joined.append(line.strip())
    return joined


def test_a_backup_dir_that_is_a_file_is_refused(capsys, tmp_path):
    blocker = tmp_path / "dumps"
    blocker.write_text("not a directory")
    for given in (blocker, blocker / "today"):
        answers = answers_file(tmp_path, f"backup_dir: {given}\n")
        status, out, _ = run_plan(capsys, "--root", INSTALLS / "cpu4_block", "--answers", answers)
        assert status == 2
        assert (f"error: backup_dir {given} cannot be a directory: {blocker} is a file. Give a "
                f"directory (it is created if missing). ({answers}:1)") in problem_lines(out)
        assert out.endswith("\nThe plan cannot run until the error above is fixed.\n")


@pytest.mark.usefixtures("host_ports_free")  # fixture ports (8111…) free on this host
def test_each_new_shard_is_located_on_its_own_line(capsys, tmp_path):
    answers = answers_file(tmp_path, (
        "object_types: [face]\n"
        "new_shards:\n"
        "  - {name: shard-011, http_port: '8111', tarantool_port: 32011}\n"
        "  - name: shard-012\n"
        "    http_port: 8111\n"
        "    tarantool_port: 32012\n"
        "  - {name: shard-013, http_port: 18411, tarantool_port: 3333}\n"
        "  - {name: shard-014, http_port: 8114, tarantool_port: 32014}\n"
        "backup_dir: /srv/dump\n"))
    status, out, _ = run_plan(capsys, "--root", INSTALLS / "cpu4_block", "--answers", answers)
    assert status == 2
    problems = problem_lines(out)
    # a quoted port is still a port: shard-011 is fine
    assert not any("shard-011" in p for p in problems)
    assert f"error: shard-012: HTTP port 8111 is given twice. ({answers}:4)" in problems
    # the pause service publishes the application ports in this layout
    assert (f"error: shard-013: HTTP port 18411 is already in use (by service pause in the "
            f"compose file). ({answers}:7)") in problems
    assert any(p.startswith("error: shard-013: Tarantool port 3333 is already in use (by service")
               and p.endswith(f"({answers}:7)") for p in problems)


def test_a_proposed_model_is_not_blamed_on_the_answers_file(capsys, tmp_path):
    answers = answers_file(tmp_path, "object_types: [face]\nbackup_dir: /srv/dump\n")
    status, out, _ = run_plan(capsys, "--root", INSTALLS / "gpu8", "--answers", answers)
    assert status == 0
    assert ("warning: the new face model is the one in use today (face/ifruit_320.gpu.fnk): the "
            "migration would re-extract every object with the same model.") in problem_lines(out)
    given = answers_file(tmp_path, "object_types: [face]\nmodels: {face: face/ifruit_320.gpu.fnk}\n")
    _, out, _ = run_plan(capsys, "--root", INSTALLS / "gpu8", "--answers", given)
    assert any(p.startswith("warning: the new face model") and p.endswith(f"({given}:2)")
               for p in problem_lines(out))


def test_unchanged_models_make_one_warning_and_say_how_to_get_proposals(capsys, tmp_path):
    status, out, _ = run_plan(capsys, "--root", INSTALLS / "gpu8")
    warnings = [p for p in problem_lines(out) if "in use today" in p]
    assert warnings == [
        "warning: the new models are the ones in use today (face: face/ifruit_320.gpu.fnk, body: "
        "pedrec/pedrec_v1.gpu.fnk, car: carrec/carrec_v1.gpu.fnk): the migration would re-extract "
        "every object with the same models."]
    assert "--available-models FILE, for real" in out
    listing = tmp_path / "models.txt"
    listing.write_text("face/kiwi_1024.gpu.fnk\npedrec/pedrec_v2.gpu.fnk\ncarrec/carrec_v3.gpu.fnk\n")
    _, out, _ = run_plan(capsys, "--root", INSTALLS / "gpu8", "--available-models", listing)
    assert "in use today" not in out and "for real proposals" not in out
    assert "  face model     face/ifruit_320.gpu.fnk → face/kiwi_1024.gpu.fnk\n" in out


def test_prose_fits_and_the_root_is_named_once(capsys, tmp_path):
    root = copy_install("disagree", tmp_path)
    status, out, _ = run_plan(capsys, "--root", root)
    assert status == 2
    lines = out.splitlines()
    assert lines[0] == f"FindFace Multi installation at {root}"
    assert out.count(str(root)) == 1
    # only commands and file lines may be longer than the terminal width
    long_prose = [line for line in lines[1:] if len(line) > WIDTH
                  and not line.startswith(("    $ ", "    +", "    -", "     "))]
    assert long_prose == []
    assert "    $ docker compose --ansi never -p disagree -f docker-compose.yaml up -d" in lines
    assert "  backup to      backups/ffmulti_dump" in lines


@pytest.mark.usefixtures("host_ports_free")  # fixture ports (8111…) free on this host
def test_problems_come_last_errors_first_with_a_count(capsys):
    status, out, _ = run_plan(capsys, "--root", INSTALLS / "disagree")
    assert status == 2
    assert "  problems       3 errors, 2 warnings (listed at the end)\n" in out
    assert out.index("\nProblems\n") > out.index("13. Check the result")
    severities = [p.split(":", 1)[0] for p in problem_lines(out)]
    assert severities == ["error"] * 3 + ["warning"] * 2
    assert out.endswith("\nThe plan cannot run until the 3 errors above are fixed.\n")


def test_spans_mark_what_is_unknown():
    assert _span([8101, 8102, 8103]) == "8101…8103"
    assert _span([32001, 32002, None]) == "32001, 32002, ?"
    assert _span([None, None]) == "?"
    assert _span([8001, 8001]) == "8001"


@pytest.mark.parametrize("name", ["gpu8", "disagree", "shards16", "s3"])
@pytest.mark.usefixtures("host_ports_free")  # fixture ports (8111…) free on this host
def test_json_is_valid_and_the_same_every_run(capsys, name):
    first = run_plan(capsys, "--root", INSTALLS / name, "--json")[1]
    second = run_plan(capsys, "--root", INSTALLS / name, "--json")[1]
    assert first == second
    data = json.loads(first)
    inst = data["installation"]
    assert inst["services"] == sorted(inst["services"])
    assert inst["leftover_shard_dirs"] == sorted(inst["leftover_shard_dirs"])
    for step in data["steps"]:
        assert list(step["diffs"]) == sorted(step["diffs"])


@pytest.fixture
def sandbox(tmp_path):
    """A small demo sandbox, its tree only (no service started): the sim runtime reads its
    extraction service's models directory as it would the container's."""
    from ffwizard.demo.ports import release_block
    from ffwizard.demo.sandbox import build_sandbox

    built = build_sandbox(tmp_path / "sb", shards=2, objects=4, device="cpu")
    yield built.root
    release_block(built.root, built.ports.offset)


def test_runtime_sim_proposes_models_the_extraction_service_offers(capsys, sandbox):
    # A sandbox's simulated services are asked without --runtime too (its own hint).
    status, out, _ = run_plan(capsys, "--root", sandbox)
    assert status == 0
    assert "for real proposals" not in out and "The plan can run" in out
    default = json.loads(run_plan(capsys, "--root", sandbox, "--json")[1])
    today = default["installation"]["models"]

    status, out, err = run_plan(capsys, "--root", sandbox, "--runtime", "sim", "--json")
    assert status == 0, err
    data = json.loads(out)
    proposed = data["answers"]["models"]
    assert set(proposed) == set(today)
    for kind, model in proposed.items():
        assert model != today[kind] and model.endswith(".cpu.fnk")
        assert model.split("/")[0] == today[kind].split("/")[0]
    assert not any("in use today" in p["message"] for p in data["problems"])
    assert default["answers"]["models"] == proposed
    _, human, _ = run_plan(capsys, "--root", sandbox, "--runtime", "sim")
    assert "for real proposals" not in human


def test_runtime_and_a_models_list_are_exclusive(capsys, sandbox, tmp_path):
    listing = tmp_path / "models.txt"
    listing.write_text("face/x.cpu.fnk\n")
    status, out, err = run_plan(capsys, "--root", sandbox, "--runtime", "sim",
                                "--available-models", listing)
    assert (status, out) == (2, "")
    assert err == "ffwizard: give either --runtime or --available-models, not both.\n"


def test_runtime_that_cannot_list_models_says_so(capsys, tmp_path):
    root = copy_install("cpu4_block", tmp_path)
    (root / ".sim").mkdir()
    (root / ".sim" / "sandbox.json").write_text("{}")  # a sandbox whose services never ran
    status, out, err = run_plan(capsys, "--root", root, "--runtime", "sim")
    assert status == 2 and out == ""
    assert "the sim runtime could not list the models" in err
    assert "Without --runtime, the plan shows today's models" in err


def test_a_relative_backup_dir_may_not_leave_the_install_root(capsys, tmp_path):
    root = copy_install("cpu4_block", tmp_path)
    answers = answers_file(tmp_path, "backup_dir: ../dumps\n")
    status, out, _ = run_plan(capsys, "--root", root, "--answers", answers)
    assert status == 2
    assert (f"error: backup_dir ../dumps is outside the install root {root}: give it as an "
            f"absolute path ({tmp_path / 'dumps'}) if the dump is to go there. "
            f"({answers}:1)") in problem_lines(out)


def test_an_absolute_backup_dir_outside_the_root_is_shown_where_it_is(capsys, tmp_path):
    root = copy_install("cpu4_block", tmp_path)
    answers = answers_file(tmp_path, f"backup_dir: {tmp_path / 'dumps'}\n")
    status, out, _ = run_plan(capsys, "--root", root, "--answers", answers)
    assert "error: backup_dir" not in out
    line = next(text for text in out.splitlines() if text.strip().startswith("backup to"))
    assert line.split(None, 2)[2] == f"{tmp_path / 'dumps'} (outside the install root)"


def test_a_migration_setting_past_its_bound_is_refused_rather_than_waited_on(capsys, tmp_path):
    # #14: 99999999999999999999999 workers passed the checks and the run waited at 0 objects.
    answers = answers_file(tmp_path, "migration: {workers_num: 99999999999999999999999}\n")
    status, out, _ = run_plan(capsys, "--root", INSTALLS / "cpu4_block", "--answers", answers,
                              "--no-shard-counts")
    assert status == 2
    assert any(line.startswith("error: migration: workers_num must be at most 256, not "
                               "99999999999999999999999.") for line in problem_lines(out))


def listen_on(port: int):
    """A program of our own listening on `port` of the loopback (skip if someone else is)."""
    import socket

    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", port))
    except OSError:
        listener.close()
        pytest.skip(f"port {port} is held by another program already")
    listener.listen()
    return listener


def test_proposed_shard_ports_pass_over_a_port_another_program_listens_on(capsys, tmp_path):
    # Before: plan proposed 8111 although it was bound, said the plan can run, and apply's
    # preflight then refused it, leaving the user to write every new shard by hand.
    # The first port proposed depends on what this host holds now (another test's sandbox may
    # hold 8111): take that one, whatever it is, and plan again.
    status, out, _ = run_plan(capsys, "--root", INSTALLS / "gpu8", "--json")
    first = json.loads(out)["new_shards"][0]["http_port"]
    with listen_on(first):
        status, out, _ = run_plan(capsys, "--root", INSTALLS / "gpu8", "--json")
        proposed = json.loads(out)["new_shards"]
        _, text, _ = run_plan(capsys, "--root", INSTALLS / "gpu8")
    assert status == 0
    ports = {p for s in proposed for p in (s["http_port"], s["tarantool_port"])}
    assert first not in ports and proposed[0]["http_port"] > first
    # Other programs may hold more ports of the block now: the line names them all, ours too.
    said = [line for line in problem_lines(text) if line.startswith("info: port")]
    assert len(said) == 1 and re.search(rf"\b{first}\b", said[0])
    assert said[0].endswith("the new shards take the next free block of ports.")


def test_a_given_shard_port_another_program_listens_on_is_refused_by_plan(capsys, tmp_path):
    answers = answers_file(tmp_path, (
        "object_types: [face]\nnew_shards:\n"
        + "".join(f"  - {{name: shard-{n:03d}, http_port: {8100 + n}, tarantool_port: {32000 + n}}}\n"
                  for n in range(21, 25))))
    with listen_on(8121):
        status, out, _ = run_plan(capsys, "--root", INSTALLS / "cpu4_block", "--answers", answers)
    assert status == 2
    assert (f"error: shard-021: HTTP port 8121 is in use on this host by another program: choose "
            f"another. ({answers}:3)") in problem_lines(out)
