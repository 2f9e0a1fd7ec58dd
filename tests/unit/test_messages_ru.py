"""Refusals in the user's language: detection, answers, new shards, preflight, the runtimes and
the demo say in Russian what is wrong and what to do, with the same facts (paths, names, ports,
counts) as in English; in English they read as before."""

from __future__ import annotations

import re

import pytest
from install_fixtures import INSTALLS

from ffwizard.core.answers import ShardSpec, load_answers, resolve_answers
from ffwizard.core.detect import detect
from ffwizard.core.errors import RuntimeUnavailable, UserError
from ffwizard.core.shapes import WellKnownPaths
from ffwizard.core.shards import validate_new_shards
from ffwizard.i18n import set_language


@pytest.fixture
def machine(tmp_path) -> WellKnownPaths:
    """A machine where none of the well-known paths of other FindFace shapes exist."""
    return WellKnownPaths(tarantool_instances=tmp_path / "etc/tarantool/instances.available",
                          ffserver_shard_data=tmp_path / "opt/ffserver/data/tnt",
                          multi_root=tmp_path / "opt/findface-multi",
                          cibr_root=tmp_path / "opt/findface-cibr")


@pytest.fixture(scope="module")
def gpu8():
    return detect(INSTALLS / "gpu8")


def errors(problems) -> list[str]:
    return [p.message for p in problems if p.severity == "error"]


# --- detection -------------------------------------------------------------------------------

def test_a_directory_without_an_installation_is_refused_in_russian(tmp_path, machine):
    root = tmp_path / "empty"
    root.mkdir()
    set_language("ru")
    [problem] = detect(root, compose_command=None, well_known=machine).problems
    assert problem.message == (f"в {root} нет установки FindFace (нет docker-compose.yaml): "
                               f"укажите в --root каталог установки (каталог с docker-compose.yaml).")
    assert "holds no FindFace installation" not in problem.message


def test_the_same_refusal_in_english_is_unchanged(tmp_path, machine):
    root = tmp_path / "empty"
    root.mkdir()
    [problem] = detect(root, compose_command=None, well_known=machine).problems
    assert problem.message == (f"{root} holds no FindFace installation (no docker-compose.yaml): "
                               f"give the install root (the directory holding docker-compose.yaml) "
                               f"with --root.")


@pytest.mark.parametrize("count,words", [(1, "1 шард — служба systemd"),
                                         (3, "3 шарда — службы systemd"),
                                         (12, "12 шардов — службы systemd")])
def test_systemd_shards_are_counted_in_russian_plural_forms(tmp_path, machine, count, words):
    instances = machine.tarantool_instances
    instances.mkdir(parents=True)
    for n in range(1, count + 1):
        (instances / f"shard-{n:03d}.lua").write_text("-- shard\n")
    set_language("ru")
    [problem] = detect(tmp_path / "opt/findface-multi", compose_command=None,
                       well_known=machine).problems
    assert words in problem.message
    assert "FindFace Multi 1.x или FindFace Security 4.x" in problem.message
    assert "by hand" not in problem.message


def test_a_missing_config_is_named_in_russian(tmp_path):
    root = tmp_path / "install"
    root.mkdir()
    (root / "docker-compose.yaml").write_text("services:\n  redis: {image: redis}\n")
    set_language("ru")
    messages = [str(p) for p in detect(root, compose_command=None).problems]
    config = root / "configs/findface-sf-api/findface-sf-api.yaml"
    assert f"{config}: файл конфигурации sf-api отсутствует." in messages
    assert not any("is missing" in m for m in messages)


# --- answers ---------------------------------------------------------------------------------

def test_bad_answers_read_in_russian(gpu8):
    set_language("ru")
    _answers, problems = resolve_answers(gpu8, {"object_types": ["fase"],
                                                "migration": {"workers_num": 0},
                                                "migrate_clusters": "yes"})
    found = errors(problems)
    assert "неизвестный тип объекта 'fase'. Возможно, имелось в виду 'face'? " \
           "Типы объектов: face, body, car." in found
    assert "migration: workers_num должен быть целым числом не меньше 1, а не 0." in found
    assert "migrate_clusters должен быть true или false, а не 'yes'." in found
    assert not any("must be" in m or "Did you mean" in m for m in found)


def test_bad_answers_read_in_english_as_before(gpu8):
    _answers, problems = resolve_answers(gpu8, {"object_types": ["fase"],
                                                "migration": {"workers_num": 0}})
    found = errors(problems)
    assert "unknown object type 'fase'. Did you mean 'face'? Object types: face, body, car." in found
    assert "migration: workers_num must be a whole number of at least 1, not 0." in found


def test_an_answers_file_that_is_no_mapping_is_refused_in_russian(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("- face\n- body\n")
    set_language("ru")
    with pytest.raises(UserError) as refused:
        load_answers(path)
    assert str(refused.value) == (f"{path}: файл ответов должен быть словарём ключей "
                                  f"(object_types, models, new_shards, ...), а не list.")
    with pytest.raises(UserError) as missing:
        load_answers(tmp_path / "absent.yaml")
    assert missing.value.message == "файл ответов отсутствует."


def test_a_taken_port_of_a_new_shard_is_named_in_russian(gpu8):
    set_language("ru")
    problems = validate_new_shards(gpu8, [ShardSpec("shard-011", 8101, 32011)])
    found = errors(problems)
    assert "shard-011: HTTP-порт 8101 уже занят (шардом shard-001)." in found
    assert any("шардов в new_shards: 1, а в установке: 8" in m for m in found)
    assert not any("already in use" in m for m in found)


# --- runtimes and the demo -------------------------------------------------------------------

def test_an_unreachable_docker_engine_is_said_in_russian(tmp_path):
    pytest.importorskip("docker")
    from ffwizard.runtime.docker import DockerRuntime

    socket = tmp_path / "no-engine.sock"
    runtime = DockerRuntime(tmp_path, "findface-multi", tmp_path / "docker-compose.yaml",
                            engine_url=f"unix://{socket}")
    set_language("ru")
    with pytest.raises(RuntimeUnavailable) as refused:
        runtime.ping()
    assert refused.value.message == (f"Docker Engine не отвечает по адресу unix://{socket}: "
                                     f"запустите его (systemctl start docker) и повторите попытку.")


def test_the_sim_runtime_refuses_a_directory_that_is_no_sandbox_in_russian(tmp_path):
    from ffwizard.runtime.sim import SimRuntime

    set_language("ru")
    with pytest.raises(RuntimeUnavailable) as refused:
        SimRuntime(tmp_path).ping()
    assert refused.value.message.startswith(f"{tmp_path.resolve()} — не демонстрационная установка")
    assert "is not a demo sandbox" not in refused.value.message


def test_demo_preparation_refuses_a_busy_directory_in_russian(tmp_path):
    from ffwizard.runtime.sim import prepare_demo

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine\n")
    set_language("ru")
    with pytest.raises(UserError) as refused:
        prepare_demo(busy, start=False)
    assert str(refused.value) == (f"{busy.resolve()} не пуст и не является демонстрационной "
                                  f"установкой: выберите новый или пустой каталог")
    assert (busy / "notes.txt").read_text() == "mine\n"


# --- preflight on the demo sandbox ------------------------------------------------------------

NEW_GPU_MODELS = {"face": "face/nectarine_m_160.gpu.fnk", "body": "pedrec/wheat_m_256.gpu.fnk",
                  "car": "carrec/cedar_m_224.gpu.fnk"}


def stopped_extraction_plan(sandbox):
    from install_fixtures import plan_of

    plan = plan_of(sandbox.root, {"models": NEW_GPU_MODELS})
    assert not plan.blocked, plan.problems
    sandbox.runtime.stop_service("findface-extraction-api")
    return plan


def test_a_failed_preflight_reads_in_russian(sim_sandbox):
    from ffwizard.core.errors import PreflightFailed
    from ffwizard.core.preflight import require_preflight

    run_plan = stopped_extraction_plan(sim_sandbox)
    set_language("ru")
    with pytest.raises(PreflightFailed) as refused:
        require_preflight(run_plan, sim_sandbox.runtime)
    text = refused.value.message
    assert text.startswith("установка не готова; ничего не изменено:\n  - ")
    assert ("сервис findface-extraction-api в состоянии exited, а не running: запустите его и "
            "повторите попытку.") in text
    assert "not running" not in text and "nothing was changed" not in text


def test_the_same_preflight_failure_in_english(sim_sandbox):
    from ffwizard.core.errors import PreflightFailed
    from ffwizard.core.preflight import require_preflight

    run_plan = stopped_extraction_plan(sim_sandbox)
    with pytest.raises(PreflightFailed) as refused:
        require_preflight(run_plan, sim_sandbox.runtime)
    text = refused.value.message
    assert text.startswith("the installation is not ready; nothing was changed:\n  - ")
    assert ("the service findface-extraction-api is exited, not running: start it and try "
            "again.") in text


def test_passed_checks_count_in_russian(sim_sandbox):
    from install_fixtures import plan_of

    from ffwizard.core.preflight import run_preflight

    plan = plan_of(sim_sandbox.root, {"models": NEW_GPU_MODELS})
    set_language("ru")
    passed = [c.message for c in run_preflight(plan, sim_sandbox.runtime) if c.ok]
    assert "4 старых шарда исправны" in passed
    assert "8 портов для новых шардов свободны" in passed
    assert not any("healthy" in m or "free" in m for m in passed)
    # Sizes in the preflight's words carry Russian's decimal comma, as the copy's rate does.
    sizes = [m for m in passed if "памяти" in m or "на диске" in m]
    assert len(sizes) == 2, passed
    assert all(re.search(r"\d,\d\u00a0(КиБ|МиБ|ГиБ)", m) for m in sizes), sizes
    assert not any(re.search(r"\d\.\d", m) for m in sizes), sizes


@pytest.mark.parametrize("language,shown", [
    ("en", ["512\u00a0B", "107.1\u00a0KiB", "74.6\u00a0GiB", "1,536.0\u00a0TiB"]),
    ("ru", ["512\u00a0Б", "107,1\u00a0КиБ", "74,6\u00a0ГиБ", "1\u00a0536,0\u00a0ТиБ"]),
])
def test_sizes_read_in_the_users_numbers(language, shown):
    from ffwizard.core.limits import mebibytes
    from ffwizard.core.preflight import human_bytes

    set_language(language)
    sizes = [512, 107.1 * 1024, 74.6 * 1024 ** 3, 1536 * 1024 ** 4]
    assert [human_bytes(n) for n in sizes] == shown
    assert mebibytes(5 * 1024 * 1024 + 104858) == ("5.1" if language == "en" else "5,1")
