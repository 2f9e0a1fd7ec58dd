"""Detection of the shapes sites have (`ffwizard demo --shape`), on sandboxes built in each
shape (no service started): what is read, what a migration writes, and the one sentence of each
refused shape, in English and in Russian."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from install_fixtures import plan_of

from ffwizard.core import configs
from ffwizard.core.atomic import atomic_write_text
from ffwizard.core.backup import Backups
from ffwizard.core.detect import detect
from ffwizard.core.errors import EditError
from ffwizard.core.models import configured_models_root, read_models
from ffwizard.demo import ports
from ffwizard.demo.sandbox import build_sandbox
from ffwizard.demo.shapes import shape_named
from ffwizard.i18n import set_language

NEW = {"face": "face/nectarine_m_160.gpu.fnk", "body": "pedrec/wheat_m_256.gpu.fnk",
       "car": "carrec/cedar_m_224.gpu.fnk"}
EXTRACTION = "configs/findface-extraction-api/findface-extraction-api.yaml"


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """build(shape) -> root of a sandbox in that shape (2 shards, GPU); ports given back."""
    monkeypatch.setenv("FFSIM_PORT_REGISTRY", str(tmp_path / "registry"))
    built = []

    def build(shape: str = "vendor") -> Path:
        box = build_sandbox(tmp_path / shape, shards=2, objects=20, shape=shape_named(shape))
        built.append(box)
        return box.root

    yield build
    for box in built:
        ports.release_block(box.root, box.ports.offset)


def errors(inst) -> list[str]:
    return [" ".join(p.message.split()) for p in inst.problems if p.severity == "error"]


# --- migrated shapes ---------------------------------------------------------------------------

def test_the_direct_model_form_is_read_and_written_back_in_its_form(sandbox):
    root = sandbox("direct-model")
    inst = detect(root, compose_command=["docker", "compose"])
    assert errors(inst) == []
    assert inst.models == {"face": "face/kiwi_320.gpu.fnk", "body": "pedrec/vanilla_s_180.gpu.fnk",
                           "car": "carrec/tiny_vgg_160.gpu.fnk"}
    assert inst.models_root == "/usr/share/findface-data/models"  # read at the top level
    before, after = configs.switch_models(root / EXTRACTION, NEW)
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert removed == ["    body_emben: pedrec/vanilla_s_180.gpu.fnk",
                       "    car_emben: carrec/tiny_vgg_160.gpu.fnk",
                       "    face_emben: face/kiwi_320.gpu.fnk"]
    assert added == ["    body_emben: pedrec/wheat_m_256.gpu.fnk",
                     "    car_emben: carrec/cedar_m_224.gpu.fnk",
                     "    face_emben: face/nectarine_m_160.gpu.fnk"]


def test_both_forms_in_one_file_each_keep_their_own(tmp_path):
    path = tmp_path / "extraction.yaml"
    path.write_text("extractors:\n  models:\n    face_emben: face/a.cpu.fnk\n"
                    "    body_emben:\n      default: {model: pedrec/b.cpu.fnk}\n"
                    "models_root: /models\n")
    document = yaml.safe_load(path.read_text())
    assert read_models(document["extractors"], str(path)) == (
        {"face": "face/a.cpu.fnk", "body": "pedrec/b.cpu.fnk"}, [])
    assert configured_models_root(document) == "/models"
    _before, after = configs.switch_models(path, {"face": "face/c.cpu.fnk",
                                                  "body": "pedrec/d.cpu.fnk"})
    assert after == ("extractors:\n  models:\n    face_emben: face/c.cpu.fnk\n"
                     "    body_emben:\n      default: {model: pedrec/d.cpu.fnk}\n"
                     "models_root: /models\n")


def test_crlf_files_plan_with_their_own_text_and_edits_keep_crlf(sandbox):
    root = sandbox("crlf")
    plan = plan_of(root, {"models": NEW})
    assert not plan.blocked, [str(p) for p in plan.problems]
    first_seen = set()
    for step in plan.steps:
        for change in step.changes:
            if change.before is None:
                continue  # migration.yaml: ffwizard's own
            if change.path not in first_seen:  # a file's first change starts from the disk
                assert change.before.encode() == change.path.read_bytes()
                first_seen.add(change.path)
            assert change.after.count("\n") == change.after.count("\r\n"), change.path
            assert "\r" not in change.diff()  # the diff reads as any other
    assert len(first_seen) == 3  # the compose file, the extraction and the sf-api configs


def test_a_file_mixing_line_endings_is_refused_in_one_sentence(tmp_path):
    path = tmp_path / "extraction.yaml"
    path.write_bytes(b"extractors:\r\n  models:\n    face_emben: face/a.cpu.fnk\r\n")
    with pytest.raises(EditError, match=r"mixes Windows \(CRLF\) and Unix \(LF\) line endings"):
        configs.switch_models(path, {"face": "face/c.cpu.fnk"})
    set_language("ru")
    with pytest.raises(EditError, match=r"смешаны окончания строк Windows \(CRLF\) и Unix"):
        configs.switch_models(path, {"face": "face/c.cpu.fnk"})


def test_a_write_through_a_link_changes_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "settings" / "sf.yaml"
    target.parent.mkdir()
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "configs" / "sf.yaml"
    link.parent.mkdir()
    link.symlink_to("../settings/sf.yaml")
    backups = Backups(tmp_path / "run", tmp_path)
    backups.ensure(link)
    atomic_write_text(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == "../settings/sf.yaml"
    assert target.read_text() == "new\n" and oct(target.stat().st_mode & 0o777) == "0o640"
    assert backups.copy_path(link).read_text() == "old\n"  # the target's content
    backups.restore(link)
    assert link.is_symlink() and target.read_text() == "old\n"


def test_symlinked_configs_are_read_and_planned_through_their_links(sandbox):
    root = sandbox("symlinked-configs")
    plan = plan_of(root, {"models": NEW})
    assert not plan.blocked, [str(p) for p in plan.problems]
    assert plan.step("backup").params.dump_argv == (
        "/storage-api-dump", "-config", "/etc/findface-sf-api.ini")  # mount read through links


# --- paths read, not assumed -------------------------------------------------------------------

def test_the_dump_is_given_the_sf_api_config_where_sf_api_mounts_it(sandbox):
    root = sandbox()
    compose = root / "docker-compose.yaml"
    text = compose.read_text()
    mount = "'./configs/findface-sf-api/findface-sf-api.yaml:/etc/findface-sf-api.ini:ro'"
    assert mount in text
    compose.write_text(text.replace(mount, mount.replace("/etc/findface-sf-api.ini",
                                                         "/srv/sf-api/config.yaml")))
    plan = plan_of(root, {"models": NEW})
    assert plan.step("backup").params.dump_argv == (
        "/storage-api-dump", "-config", "/srv/sf-api/config.yaml")
    assert "/srv/sf-api/config.yaml" in plan.step("backup").commands[1]

    compose.write_text(text.replace(mount, "'./other.yaml:/etc/other.yaml:ro'"))
    plan = plan_of(root, {"models": NEW})
    assert plan.step("backup").params.dump_argv[-1] == "/etc/findface-sf-api.ini"
    assert any("does not mount configs/findface-sf-api/findface-sf-api.yaml into "
               "findface-sf-api" in p.message for p in plan.problems if p.severity == "warning")


# --- refused shapes: one sentence each, in English and Russian ---------------------------------

REFUSED = {
    "systemd-era-model": (
        "extractors.models names its models without _emben (face: face/kiwi_320.gpu.fnk; body: "
        "pedrec/vanilla_s_180.gpu.fnk; car: carrec/tiny_vgg_160.gpu.fnk): that is the form of "
        "FindFace Security 4.x / FindFace Multi 1.x on systemd, not of the FindFace Multi 2.x "
        "that ffwizard migrates; migrate this version by hand with the vendor's procedure for "
        "it.",
        "в extractors.models модели названы без _emben (face: face/kiwi_320.gpu.fnk; body: "
        "pedrec/vanilla_s_180.gpu.fnk; car: carrec/tiny_vgg_160.gpu.fnk): это форма FindFace "
        "Security 4.x / FindFace Multi 1.x на systemd"),
    "multi-2.0": (
        "2 shard services (findface-tarantool-server-shard-001, …) are configured by their own "
        "shard-NNN.lua files, not by CFG_*/TT_* environment: that is the FindFace Multi 2.0 "
        "layout, whose new shards ffwizard cannot set up; upgrade FindFace Multi first, or "
        "migrate by hand with the vendor's procedure for 2.0.",
        "2 сервиса шардов (findface-tarantool-server-shard-001, …) настраиваются собственными "
        "файлами shard-NNN.lua"),
    "distributed": (
        "this compose file runs no shard: sf-api's 2 shards live on 192.0.2.20 (a distributed "
        "installation), and ffwizard migrates only shards, sf-api and the extraction service of "
        "one compose file. Migrate by hand with the vendor's procedure: add the new shard "
        "services in the compose file on 192.0.2.20, then switch sf-api here.",
        "этот compose-файл не запускает ни одного шарда: 2 шарда sf-api находятся на 192.0.2.20"),
}


@pytest.mark.parametrize("shape", sorted(REFUSED))
def test_a_refused_shape_is_one_sentence(sandbox, shape):
    english, russian = REFUSED[shape]
    root = sandbox(shape)
    assert errors(detect(root, compose_command=["docker", "compose"])) == [english]
    plan = plan_of(root, {"models": NEW})
    assert plan.blocked
    assert [" ".join(p.message.split()) for p in plan.problems if p.severity == "error"] == \
        [english]  # and the plan adds none of its own
    set_language("ru")
    [sentence] = errors(detect(root, compose_command=["docker", "compose"]))
    assert sentence.startswith(russian)


def test_extraction_only_behind_a_balancer_is_refused_and_a_balancer_is_never_picked(sandbox):
    root = sandbox()
    compose = root / "docker-compose.yaml"
    text = compose.read_text()
    # A balancer beside the extraction service: the service is the one with the image.
    lb = ("  findface-extraction-api-lb:\n    image: docker.int.ntl/ntech/3rdparty/nginx:1.25\n"
          "    network_mode: service:pause\n")
    compose.write_text(text.replace("services:\n", "services:\n" + lb, 1))
    inst = detect(root, compose_command=["docker", "compose"])
    assert errors(inst) == [] and inst.extraction_api_service == "findface-extraction-api"
    # Renamed, and only the balancer left here.
    renamed = text.replace("  findface-extraction-api:\n", "  extraction:\n")
    compose.write_text(renamed.replace("extraction-api-gpu:", "extraction-api-lb:"))
    inst = detect(root, compose_command=["docker", "compose"])
    assert errors(inst) == [
        "this compose file runs no extraction service, only its balancer extraction: the "
        "extraction servers (a distributed installation) are on other hosts, where the model "
        "must be switched. Switch it there by hand with the vendor's procedure (step 3), then "
        "migrate the rest by hand too."]
    set_language("ru")
    [sentence] = errors(detect(root, compose_command=["docker", "compose"]))
    assert sentence.startswith("этот compose-файл не запускает сервис извлечения, только его "
                               "балансировщик extraction")


def test_shards_on_container_addresses_are_not_taken_for_another_host(sandbox):
    """Names the compose project resolves itself (services, hostnames, aliases) are local."""
    from ffwizard.core import distributed
    from ffwizard.core.compose import read_services

    document = {"services": {"tnt-1": {"image": "tntapi", "hostname": "tnt-1-1",
                                       "networks": {"ff": {"aliases": ["shard-a"]}}}}}
    services = read_services(document, "")
    for host in ("tnt-1", "tnt-1-1", "shard-a", "127.0.0.1", "localhost"):
        assert distributed.problems(services, document, runs_shards=False,
                                    sf_urls=[(f"http://{host}:8001/v2/", "")], sf_where="sf",
                                    compose_where="c") == []
