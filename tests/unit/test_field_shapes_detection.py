"""Detection of the shapes sites run (replicas, one shared port on container addresses, a
project named by its containers' labels) and the vendor tools' flags: each ends in a correct
plan or in one sentence, in English and in Russian."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from ffwizard.core.answers import resolve_answers
from ffwizard.core.detect import detect
from ffwizard.core.errors import UserError
from ffwizard.core.planner import build_plan
from ffwizard.core.ports import ExecResult
from ffwizard.core.projectname import project_in_use
from ffwizard.core.shards import propose_new_shards
from ffwizard.core.toolprobe import ToolProbe, offered_flags, probe_tool
from ffwizard.demo.sandbox import build_sandbox
from ffwizard.demo.shapes import shape_named
from ffwizard.i18n import set_language
from ffwizard.runtime import open_runtime_for
from ffwizard.runtime.sim import SimRuntime


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """build(shape) -> an install tree of that shape (not started: detection needs no services)."""
    monkeypatch.setenv("FFSIM_PORT_REGISTRY", str(tmp_path / "ports"))

    def build(shape: str, shards: int = 3):
        return build_sandbox(tmp_path / shape, shards=shards, objects=30,
                             shape=shape_named(shape)).root
    return build


def plan_of(root):
    installation = detect(root, compose_command=["docker", "compose"])
    answers, problems = resolve_answers(installation, None, None, source="answers")
    return installation, build_plan(installation, answers, problems=problems)


def changed(plan, name: str) -> str:
    return next(c.after for s in plan.steps for c in s.changes if c.path.name == name)


# --- replicas ---------------------------------------------------------------------------------

def test_replicas_are_not_more_shards(sandbox):
    installation, plan = plan_of(sandbox("replicas"))
    assert not installation.blocking
    assert len(installation.shards) == 3
    for shard in installation.shards:
        assert shard.replica is not None and shard.replica.url == shard.slave_url != ""
        assert shard.replica.service == f"{shard.service}-replica"
    assert "shard-001-replica" not in installation.leftover_shard_dirs


def test_new_shards_get_new_replicas_pointing_at_them(sandbox):
    installation, plan = plan_of(sandbox("replicas"))
    new = plan.new_shards
    for old, shard in zip(installation.shards, new):
        replica = shard.replica
        assert replica is not None and replica.service == f"{shard.service}-replica"
        assert replica.http_port - old.replica.http_port == shard.http_port - old.http_port
        assert replica.replicates.endswith(f":{shard.tarantool_port}")
        assert shard.slave_url == replica.url
    taken = {p for s in installation.shards for p in (s.http_port, s.replica.http_port)}
    assert not taken & {p for s in new for p in (s.http_port, s.replica.http_port)}
    compose = yaml.safe_load(changed(plan, "docker-compose.yaml"))["services"]
    for shard in new:
        env = compose[shard.replica.service]["environment"]
        assert env["TT_REPLICATION"] == shard.replica.replicates
        assert str(env["CFG_LISTEN_PORT"]) == str(shard.replica.http_port)
        assert any(shard.replica.name in v for v in compose[shard.replica.service]["volumes"])
    sf_api = yaml.safe_load(changed(plan, "findface-sf-api.yaml"))["storage-api"]["shards"]
    assert [e["slave"] for e in sf_api] == [s.replica.url for s in new]  # never '' over them
    migration = yaml.safe_load(changed(plan, "migration.yaml"))
    assert [e["slave"] for e in migration["storage-api-to"]["shards"]] == \
        [s.replica.url for s in new]
    assert [e["slave"] for e in migration["storage-api-from"]["shards"]] == \
        [s.slave_url for s in installation.shards]
    create = next(s for s in plan.steps if s.id == "create_shard_dirs")
    assert set(create.params.dirs) >= {s.replica.data_dir for s in new}
    removal = next(s for s in plan.steps if s.id == "remove_old_shards")
    assert set(removal.params.services) == \
        {x for s in installation.shards for x in (s.service, s.replica.service)}


@pytest.mark.parametrize("lang, words", [
    ("en", "lives on another host, 10.0.0.12: ffwizard migrates only installations whose shards "
           "and replicas all run on this host"),
    ("ru", "находится на другом хосте, 10.0.0.12: ffwizard переносит только установки"),
])
def test_replicas_on_another_host_refused_naming_it(sandbox, lang, words):
    root = sandbox("replicas-remote")
    set_language(lang)
    installation = detect(root, compose_command=["docker", "compose"])
    sentences = [p.message for p in installation.blocking]
    assert len(sentences) == 3 and all(words in s for s in sentences), sentences


@pytest.mark.parametrize("lang, words", [
    ("en", "but no service in the compose file replicates that shard"),
    ("ru", "но ни один сервис в compose-файле не реплицирует этот шард"),
])
def test_a_slave_without_its_replica_service_refused(sandbox, lang, words):
    root = sandbox("replicas")
    compose = root / "docker-compose.yaml"
    text = compose.read_text()
    start = text.index("  findface-tarantool-server-shard-001-replica:")
    end = text.index("  findface-tarantool-server-shard-002:")
    compose.write_text(text[:start] + text[end:])
    set_language(lang)
    messages = [p.message for p in detect(root, compose_command=None).blocking]
    assert any(words in m for m in messages), messages


# --- one port on container addresses -------------------------------------------------------

def test_one_port_keeps_the_port_and_names_new_shards_by_service(sandbox):
    installation, plan = plan_of(sandbox("one-port-replicas"))
    assert not installation.blocking
    for shard in plan.new_shards:
        assert (shard.http_port, shard.tarantool_port) == (8001, 32001)
        assert shard.url == f"http://{shard.service}:8001/v2/"
        assert shard.replica.url == f"http://{shard.replica.service}:8001/v2/"
        assert shard.replica.replicates == f"{shard.service}:32001"
    migration = yaml.safe_load(changed(plan, "migration.yaml"))  # the tool runs in the network
    assert migration["storage-api-to"]["shards"][0]["master"] == \
        "http://findface-tarantool-server-shard-011:8001/v2/"


def test_service_name_urls_reach_the_service_where_it_is(tmp_path):
    runtime = SimRuntime(tmp_path)
    runtime.service_address = lambda service: {"shard-a": "127.20.0.9"}.get(service)
    assert runtime.reachable_url("http://shard-a:8001/v2/status") == "http://127.20.0.9:8001/v2/status"
    assert runtime.reachable_url("http://127.0.0.1:8101/v2/") == "http://127.0.0.1:8101/v2/"
    assert runtime.reachable_url("http://unknown:8001/") == "http://unknown:8001/"


# --- the project from the containers' labels -------------------------------------------------

def test_no_container_keeps_the_files_guess(tmp_path):
    (tmp_path / "docker-compose.yaml").write_text("services: {}\n")
    assert project_in_use(tmp_path, tmp_path / "docker-compose.yaml", "site", []) == "site"


def test_labels_name_the_project_when_no_file_does(tmp_path):
    (tmp_path / "docker-compose.yaml").write_text("services: {}\n")
    assert project_in_use(tmp_path, tmp_path / "docker-compose.yaml", "site", ["oe"]) == "oe"


@pytest.mark.parametrize("lang, words", [
    ("en", "belong to the compose project 'oe', but"),
    ("ru", "принадлежат compose-проекту 'oe', а в"),
])
def test_labels_and_files_disagreeing_refused(tmp_path, lang, words):
    (tmp_path / "docker-compose.yaml").write_text("services: {}\n")
    (tmp_path / ".env").write_text("COMPOSE_PROJECT_NAME=findface-multi\n")
    set_language(lang)
    with pytest.raises(UserError) as refused:
        project_in_use(tmp_path, tmp_path / "docker-compose.yaml", "findface-multi", ["oe"])
    assert words in str(refused.value) and "findface-multi" in str(refused.value)


def test_two_projects_claiming_the_root_refused(tmp_path):
    (tmp_path / "docker-compose.yaml").write_text("services: {}\n")
    with pytest.raises(UserError, match="cannot tell which one"):
        project_in_use(tmp_path, tmp_path / "docker-compose.yaml", "x", ["a", "b"])


def test_open_runtime_for_takes_the_labelled_project(sandbox):
    root = sandbox("renamed-project")
    detected = detect(root, compose_command=["docker", "compose"])
    assert detected.project == root.name  # the files only guess

    class Labelled(SimRuntime):
        def projects_at_root(self):
            return ["oe"]

    _runtime, installation = open_runtime_for(detected, "sim", Labelled(root, detected.project))
    assert installation.project == "oe"
    assert installation.container_name("findface-sf-api") == "oe-findface-sf-api-1"


# --- the vendor tools' flags -----------------------------------------------------------------

class HelpRuntime:
    def __init__(self, output: str, code: int = 0):
        self.output, self.code, self.calls = output, code, []

    def exec(self, service, argv, *, workdir=None, timeout=None):
        self.calls.append(argv)
        return ExecResult(self.code, self.output)


GO_HELP = "Usage of ./sf-api-migrate:\n  -config string\n    \tpath\n  -config-template\n"
PROBE = ToolProbe("sf-api-migrate", "findface-sf-api", ("./sf-api-migrate", "-help"),
                  ("-config",), template_flag="-config-template")


def test_flags_read_from_go_and_argparse_help():
    assert {"config", "config-template"} <= offered_flags(GO_HELP)
    assert {"face", "use-best-event"} <= offered_flags("usage: x [-h] [--face] [--use-best-event]")


def test_a_tool_offering_the_flags_passes_and_keeps_its_output():
    runtime = HelpRuntime(GO_HELP)
    result = probe_tool(runtime, PROBE)
    assert result.ok
    assert [name for name, _text in result.outputs] == ["sf-api-migrate.help.txt",
                                                        "sf-api-migrate.config-template.txt"]
    assert runtime.calls[1] == ["./sf-api-migrate", "-config-template"]


@pytest.mark.parametrize("lang, words", [
    ("en", "does not offer the flag -config that ffwizard passes"),
    ("ru", "не знает флаг -config, который передаёт ffwizard"),
])
def test_a_missing_flag_refused_in_words(lang, words):
    set_language(lang)
    result = probe_tool(HelpRuntime("Usage of ./sf-api-migrate:\n  -cfg string\n"), PROBE)
    assert not result.ok and words in result.message and "-cfg" in result.message


def test_a_missing_tool_refused():
    result = probe_tool(HelpRuntime("exec: not found", code=127), PROBE)
    assert not result.ok and "is not in the findface-sf-api container" in result.message


def test_preflight_asks_both_tools(sandbox):
    installation, plan = plan_of(sandbox("replicas"))
    from ffwizard.core.preflight import plan_needs

    tools = [probe for _step, need in plan_needs(plan) for probe in need.tools]
    assert [t.name for t in tools][:1] == ["sf-api-migrate"]
    assert tools[0].flags == ("-config",)
    if installation.clustering_enabled:
        assert tools[1].help_argv[-2:] == ("migrate_clusters", "--help")
        assert "--face" in tools[1].flags


def test_replica_port_clash_refused(sandbox):
    installation, plan = plan_of(sandbox("replicas"))
    from ffwizard.core.shards import validate_new_shards

    shift = len(installation.shards)  # each new replica would land on an old shard's port
    specs = [replace(spec, http_port=old.http_port - shift)
             for spec, old in zip(propose_new_shards(installation)[0], installation.shards)]
    messages = [p.message for p in validate_new_shards(installation, specs)]
    assert messages and all("would take port" in m for m in messages), messages
