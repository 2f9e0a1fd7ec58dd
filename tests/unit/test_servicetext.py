"""Editing compose files ruamel cannot write back unchanged: whole service units moved as text,
every result checked against the document ruamel computed."""

from __future__ import annotations

import yaml
from install_fixtures import INSTALLS

from ffwizard.core import compose
from ffwizard.core.compose import ComposeEdit
from ffwizard.core.detect import detect
from ffwizard.core.servicetext import ServiceText, replace_values

TEXT = """\
version: '2'
services:
  a:
    image: x  # first
  # the shards
  s1:
    environment: {PORT: '8101', HOST: 127.0.0.1,
      LISTEN: '127.0.0.1:32001'}

  b:
    image: y
networks: {}
"""


def test_units_render_back_unchanged():
    layout = ServiceText(TEXT)
    assert layout.names() == ["a", "s1", "b"]
    assert layout.units[1].lead == ["  # the shards\n"]
    assert layout.units[1].gap == ["\n"]
    assert layout.render() == TEXT


def test_insert_and_remove_keep_comments_and_gaps():
    layout = ServiceText(TEXT)
    layout.insert_after("s1", ["s1"], [("s2", "  s2:\n    image: z\n")])
    layout.remove("s1")
    assert layout.render() == TEXT.replace(
        "  s1:\n    environment: {PORT: '8101', HOST: 127.0.0.1,\n      LISTEN: '127.0.0.1:32001'}\n",
        "  s2:\n    image: z\n")


def test_replace_values_only_whole_values():
    block = "    environment: {PORT: '8101', X: '81010', LISTEN: '127.0.0.1:32001'}\n"
    assert replace_values(block, [("8101", "8111"), ("127.0.0.1:32001", "127.0.0.1:32011")]) == \
        "    environment: {PORT: '8111', X: '81010', LISTEN: '127.0.0.1:32011'}\n"


def test_a_text_copy_that_does_not_match_falls_back_to_ruamel(monkeypatch):
    inst = detect(INSTALLS / "wrapped")
    from ffwizard.core.answers import resolve_answers
    from ffwizard.core.planner import new_shards_from_specs

    answers, _ = resolve_answers(inst, {})
    new = new_shards_from_specs(inst, answers)
    monkeypatch.setattr(compose, "replace_values", lambda block, pairs: block)
    edit = ComposeEdit(inst.compose_file)
    assert edit.layout is not None
    added = edit.add_shard_services(inst.shards, new)
    assert edit.layout is None  # the unchanged copy did not match: not used
    services = yaml.safe_load(added)["services"]
    assert services["findface-tarantool-server-shard-011"]["environment"]["CFG_LISTEN_PORT"] == "8111"


MERGE_COMPOSE = """\
x-shard: &shard
  image: tntapi:1
  network_mode: service:pause
  restart: always

services:
  findface-sf-api:
    image: sf-api:1
  findface-tarantool-server-shard-001:
    <<: *shard
    environment:
      CFG_LISTEN_PORT: "8101"
      TT_LISTEN: 127.0.0.1:32001
    volumes:
      - ./data/findface-tarantool-server/shard-001:/var/lib/tarantool/FindFace
"""


def test_a_service_with_a_merge_key_is_copied_as_written(tmp_path):
    import difflib

    from install_fixtures import changed_lines

    from ffwizard.core.installation import Shard

    path = tmp_path / "docker-compose.yaml"
    path.write_text(MERGE_COMPOSE)
    data = str(tmp_path / "data/findface-tarantool-server")
    old = Shard("shard-001", "findface-tarantool-server-shard-001", 8101, 32001,
                data_dir=f"{data}/shard-001")
    new = Shard("shard-011", "findface-tarantool-server-shard-011", 8111, 32011,
                data_dir=f"{data}/shard-011")
    edit = ComposeEdit(path)
    added = edit.add_shard_services([old], [new])
    # ruamel would expand `<<: *shard` into the copy; the file's own text keeps it
    assert added == MERGE_COMPOSE + (
        "  findface-tarantool-server-shard-011:\n"
        "    <<: *shard\n"
        "    environment:\n"
        "      CFG_LISTEN_PORT: \"8111\"\n"
        "      TT_LISTEN: 127.0.0.1:32011\n"
        "    volumes:\n"
        "      - ./data/findface-tarantool-server/shard-011:/var/lib/tarantool/FindFace\n")
    removed = edit.remove_services([old.service])
    minus, plus = changed_lines("".join(difflib.unified_diff(added.splitlines(True),
                                                             removed.splitlines(True))))
    assert plus == [] and len(minus) == 7
    assert yaml.safe_load(removed)["services"]["findface-tarantool-server-shard-011"]["image"] \
        == "tntapi:1"
