"""Other shapes of the same procedure: FindFace Multi 1.x / Security 4.x (systemd), FindFace
Server (plain docker run) are refused with one sentence saying what they are and what to do;
FindFace Multi 2.0's shard-*.lua files are counted; FindFace CIBR is migrated like Multi.

The well-known paths outside the root are pointed at temporary directories: nothing here
depends on what this machine holds in /etc or /opt."""

from __future__ import annotations

from pathlib import Path

import pytest
from install_fixtures import copy_install

from ffwizard.cli import main
from ffwizard.core import shapes
from ffwizard.core.detect import detect
from ffwizard.core.shapes import WellKnownPaths


@pytest.fixture
def machine(tmp_path, monkeypatch) -> WellKnownPaths:
    """An empty machine: none of the well-known paths exist. Also the CLI's default."""
    well_known = WellKnownPaths(
        tarantool_instances=tmp_path / "etc/tarantool/instances.available",
        ffserver_shard_data=tmp_path / "opt/ffserver/data/tnt",
        multi_root=tmp_path / "opt/findface-multi",
        cibr_root=tmp_path / "opt/findface-cibr")
    monkeypatch.setattr(shapes, "WELL_KNOWN", well_known)
    return well_known


def only_problem(inst) -> str:
    assert inst.compose_file is None
    assert [p.severity for p in inst.problems] == ["error"]
    return inst.problems[0].message


def plan_cli(capsys, root: Path) -> tuple[int, str, str]:
    status = main(["plan", "--root", str(root)])
    out, err = capsys.readouterr()
    return status, out, err


def test_systemd_multi_1x_is_refused_with_what_to_do(machine, capsys):
    machine.tarantool_instances.mkdir(parents=True)
    for n in (1, 2, 3):
        (machine.tarantool_instances / f"shard-00{n}.lua").write_text("-- FindFace.start(...)\n")
    (machine.tarantool_instances / "example.lua").write_text("")
    message = only_problem(detect(machine.multi_root))
    assert message.startswith(f"no docker-compose install at {machine.multi_root}: this machine "
                              f"runs FindFace Multi 1.x or FindFace Security 4.x, whose 3 shards "
                              f"are systemd services ({machine.tarantool_instances}/shard-*.lua).")
    assert "migrate this version by hand" in message
    status, out, err = plan_cli(capsys, machine.multi_root)
    assert (status, out) == (2, "")
    assert err == f"ffwizard: {message}\n"


def test_root_pointed_at_the_systemd_configs(machine, tmp_path):
    configs = tmp_path / "elsewhere/instances.available"
    configs.mkdir(parents=True)
    (configs / "shard-001.lua").write_text("")
    assert "FindFace Multi 1.x" in only_problem(detect(configs))


def test_ffserver_is_refused(machine, capsys):
    for n in (1, 2):
        (machine.ffserver_shard_data / f"shard-00{n}").mkdir(parents=True)
    message = only_problem(detect(machine.multi_root))
    assert "this machine runs FindFace Server, whose 2 shards are plain docker containers " \
           f"(data in {machine.ffserver_shard_data}/)" in message
    assert "migrate FindFace Server by hand" in message


def test_ffserver_as_the_root(machine, tmp_path):
    root = tmp_path / "srv/ffserver"
    (root / "data/tnt/shard-001").mkdir(parents=True)
    assert "FindFace Server" in only_problem(detect(root))


def test_cibr_suggested_when_the_default_root_is_missing(machine, capsys):
    copy_install("cpu4_block", machine.cibr_root.parent)
    (machine.cibr_root.parent / "cpu4_block").rename(machine.cibr_root)
    message = only_problem(detect(machine.multi_root))
    assert message == (f"there is no FindFace Multi at {machine.multi_root}, but FindFace CIBR "
                       f"is installed at {machine.cibr_root}: run again with --root "
                       f"{machine.cibr_root}.")
    # an explicit root elsewhere is not second-guessed
    assert "CIBR" not in only_problem(detect(machine.multi_root.parent / "typo"))


def test_cibr_is_migrated_like_multi(machine, capsys):
    machine.cibr_root.parent.mkdir(parents=True)
    copy_install("cpu4_block", machine.cibr_root.parent).rename(machine.cibr_root)
    inst = detect(machine.cibr_root)
    assert inst.product == "FindFace CIBR"
    assert inst.problems == []
    assert len(inst.shards) == 4
    status, out, err = plan_cli(capsys, machine.cibr_root)
    assert status == 0, err
    assert out.startswith(f"FindFace CIBR installation at {machine.cibr_root}\n")


def test_empty_and_missing_roots_one_sentence(machine, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert only_problem(detect(empty)) == (
        f"{empty} holds no FindFace installation (no docker-compose.yaml): give the install root "
        f"(the directory holding docker-compose.yaml) with --root.")
    assert only_problem(detect(tmp_path / "missing")).startswith(
        f"there is no directory {tmp_path / 'missing'}: ")


def test_a_root_that_is_the_compose_file_itself(machine, tmp_path):
    root = copy_install("cpu4_block", tmp_path)
    assert only_problem(detect(root / "docker-compose.yaml")) == (
        f"{root / 'docker-compose.yaml'} is a file: give the install root, the directory holding "
        f"docker-compose.yaml (here, perhaps --root {root}).")


def write_lua(root: Path, count: int) -> None:
    directory = root / shapes.SHARD_LUA_DIR
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(1, count + 1):
        (directory / f"shard-{n:03d}.lua").write_text("box.cfg{}\n")


def test_multi_20_lua_configs_with_compose_services_are_supported(machine, tmp_path):
    root = copy_install("cpu4_block", tmp_path)
    write_lua(root, 4)
    inst = detect(root)
    assert inst.problems == []
    assert inst.shard_configs == [f"shard-00{n}.lua" for n in range(1, 5)]
    assert len(inst.shards) == 4


def test_multi_20_lua_count_disagreeing_is_a_warning_and_names_stay_taken(machine, tmp_path):
    from ffwizard.core.shards import propose_new_shards

    root = copy_install("cpu4_block", tmp_path)
    write_lua(root, 12)  # shard-011, shard-012 exist as configs: never reuse those names
    inst = detect(root)
    assert [p.severity for p in inst.problems] == ["warning"]
    assert "12 shard configs (shard-*.lua) but 4 shards in use" in inst.problems[0].message
    new = propose_new_shards(inst)
    new_names = [getattr(s, "name", None) for s in (new[0] if isinstance(new, tuple) else new)]
    assert not {"shard-011", "shard-012"} & set(new_names)


def test_multi_20_services_mounting_their_lua_file_are_refused(machine, tmp_path):
    root = copy_install("cpu4_block", tmp_path)
    write_lua(root, 4)
    compose = root / "docker-compose.yaml"
    text = compose.read_text()
    for n in range(1, 5):
        volume = f"./data/findface-tarantool-server/shard-00{n}:/var/lib/tarantool/FindFace"
        assert volume in text
        text = text.replace(volume, volume + f"\n      - ./configs/findface-tarantool-server/"
                                             f"shard-00{n}.lua:/etc/tarantool/shard.lua:ro")
    compose.write_text(text)
    inst = detect(root)
    errors = [p for p in inst.problems if p.severity == "error"]
    assert len(errors) == 1
    assert "4 shard services load their own shard-*.lua file" in errors[0].message
    assert "Migrate by hand, or upgrade FindFace Multi first." in errors[0].message


def test_detection_reads_nothing_outside_the_root_but_the_well_known_paths(machine, tmp_path,
                                                                            monkeypatch):
    root = copy_install("gpu8", tmp_path)
    opened: list[str] = []
    real_open = Path.open

    def spy_open(self, *args, **kwargs):
        opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy_open)
    detect(root, compose_command=["docker", "compose"])
    assert opened and all(path.startswith(str(root)) for path in opened)
