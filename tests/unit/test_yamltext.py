"""The config edits made as text (`core.yamltext`) are byte for byte what ruamel.yaml writes, on
every fixture and every site shape, with as many, fewer and more new shards; what text cannot do
goes to ruamel as before; migration.yaml is written as ruamel writes it. Real files throughout."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from install_fixtures import INSTALLS, NAMES
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from ffwizard.core import configs
from ffwizard.core.detect import detect
from ffwizard.core.errors import EditError
from ffwizard.core.installation import EXTRACTION_API_CONFIG, SF_API_CONFIG, Shard
from ffwizard.core.newlines import as_lf, line_ending
from ffwizard.core.yamltext import NotAsText, YamlText, emit, plain_ok
from ffwizard.demo import SHAPE_NAMES, ports
from ffwizard.demo.sandbox import build_sandbox
from ffwizard.demo.shapes import shape_named, shape_names

NEW_MODELS = {"face": "face/nectarine_m_160.gpu.fnk", "body": "pedrec/wheat_m_256.gpu.fnk",
              "car": "carrec/cedar_m_224.gpu.fnk"}


@pytest.fixture(scope="module")
def shape_roots(tmp_path_factory):
    """Every site shape's sandbox (2 shards, nothing started)."""
    base = tmp_path_factory.mktemp("shapes")
    registry = base / "registry"
    mp = pytest.MonkeyPatch()
    mp.setenv("FFSIM_PORT_REGISTRY", str(registry))
    boxes = [build_sandbox(base / name, shards=2, objects=5, shape=shape_named(name))
             for name in shape_names()]
    yield {box.root.name: box.root for box in boxes}
    for box in boxes:
        ports.release_block(box.root, box.ports.offset)
    mp.undo()


def all_roots(shape_roots) -> list[Path]:
    return [INSTALLS / name for name in NAMES] + list(shape_roots.values())


def shard_lists(root: Path) -> list[list[Shard]]:
    """New shard lists as many as, fewer than and more than the installation's (ports moved)."""
    old = detect(root, compose_command=["docker", "compose"]).shards
    assert old, root

    def moved(shard: Shard, n: int) -> Shard:
        return replace(shard, name=f"shard-{500 + n:03d}", url=None, http_host="127.0.0.1",
                       http_port=29000 + n)

    same = [moved(s, n) for n, s in enumerate(old)]
    more = same + [moved(old[-1], len(old) + n) for n in range(3)]
    return [same, same[:1], more]


def test_model_switch_as_text_is_what_ruamel_writes(shape_roots):
    for root in all_roots(shape_roots):
        path = root / EXTRACTION_API_CONFIG
        inst = detect(root, compose_command=["docker", "compose"])
        if not inst.models or not path.is_file():
            continue
        models = {kind: NEW_MODELS.get(kind, "x/y.gpu.fnk") for kind in inst.models}
        before = Path(path).open(encoding="utf-8", newline="").read()  # CRLF kept
        table = configs._model_table(yaml.safe_load(before))
        direct = {k for k in models if isinstance(table.get(f"{k}_emben"), str)}
        try:
            as_text = configs._switch_models_as_text(as_lf(before), models, direct)
        except (NotAsText, KeyError):
            continue  # refused shapes (no `<type>_emben`): ruamel's edit says why
        by_ruamel = configs._switch_models_rt(path, before, line_ending(before, where="x"),
                                              models)
        assert as_lf(by_ruamel) == as_text, root.name
        # and what the plan takes is that text, with the file's own line ending
        assert configs.switch_models(path, models) == (before, by_ruamel)


def test_shard_switch_as_text_is_what_ruamel_writes(shape_roots):
    checked = 0
    for root in all_roots(shape_roots):
        path = root / SF_API_CONFIG
        before = Path(path).open(encoding="utf-8", newline="").read()
        for new in shard_lists(root):
            as_text = configs._switch_sf_api_as_text(as_lf(before), new)
            by_ruamel = configs._switch_sf_api_rt(path, before, line_ending(before, where="x"),
                                                  new)
            assert as_lf(by_ruamel) == as_text, (root.name, len(new))
            assert configs.switch_sf_api_shards(path, new) == (before, by_ruamel)
            checked += 1
    assert checked >= 3 * (len(NAMES) + len(SHAPE_NAMES))


def test_migration_yaml_is_what_ruamel_writes(shape_roots):
    for root in all_roots(shape_roots):
        inst = detect(root, compose_command=["docker", "compose"])
        for new in shard_lists(root):
            document = configs.migration_document(inst, _Settings(), inst.shards, new)
            assert emit(document) == configs.migration_yaml_rt(document), root.name


class _Settings:
    workers_num, objects_limit, extraction_batch_size = 3, 1000, 8


@pytest.mark.parametrize("value", [
    "", "plain", "5s", "http://127.0.0.1:8101/v2/", "face/jackfruit_480.gpu.fnk",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY=", "true", "yes", "no", "on", "off", "null", "~",
    "123", "0o17", "0x1F", "1e3", "1_000", "1:20", "2001-12-14", ".inf", ".nan", "=", "<<",
    "-dash", "a: b", "a #b", "it's", "'quoted'", '"double"', "tab\there", "ключ", "x:", ":x",
    "@at", "%pct", "a,b", "[x]", "{x}", "!tag", "&anchor", "*alias", "key?", "0", "-1", "+1",
])
def test_plain_scalars_are_those_ruamel_writes_plain_and_parsers_read_back(value):
    rt = YAML(typ="rt")
    rt.width = 1 << 16
    out = io.StringIO()
    rt.dump({"k": value, "l": [value], "m": {"n": value}}, out)
    if plain_ok(value):
        assert out.getvalue() == f"k: {value}\nl:\n- {value}\nm:\n  n: {value}\n"
        assert yaml.safe_load(f"k: {value}\n") == {"k": value}  # YAML 1.1 reads it back
        flow, mapping = io.StringIO(), CommentedMap([("k", value)])
        mapping.fa.set_flow_style()  # as sf-api's `- {master: …, slave: …}` entries
        rt.dump({"shards": [mapping]}, flow)
        assert flow.getvalue() == f"shards:\n- {{k: {value}}}\n"
    document = {"s3": {"secret-access-key": value, "secure": False, "operation-timeout": 30}}
    try:
        text = emit(document)
    except NotAsText:
        return  # migration.yaml then goes through ruamel
    assert text == configs.migration_yaml_rt(document)
    assert yaml.safe_load(text) == document


def test_migration_yaml_with_a_value_text_cannot_write_goes_through_ruamel(tmp_path):
    inst = detect(INSTALLS / "s3", compose_command=["docker", "compose"])
    storage = replace(inst.normalized_storage, s3={**inst.normalized_storage.s3,
                                                   "secret-access-key": "it's: a secret #1"})
    inst = replace(inst, normalized_storage=storage)
    text = configs.migration_yaml(inst, _Settings(), inst.shards, inst.shards)
    document = configs.migration_document(inst, _Settings(), inst.shards, inst.shards)
    assert text == configs.MIGRATION_HEADER + configs.migration_yaml_rt(document)
    assert yaml.safe_load(text)["normalized_storage"]["s3"]["secret-access-key"] == \
        "it's: a secret #1"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_what_text_cannot_edit_is_edited_by_ruamel(tmp_path):
    # A folded block scalar, a model that needs quotes in a plain slot, a flow shard list.
    cases = [
        ("extractors:\n  models:\n    face_emben:\n      default:\n        model: >-\n"
         "          face/a.cpu.fnk\n", {"face": "face/b.cpu.fnk"}),
        ("extractors:\n  models:\n    face_emben: face/a.cpu.fnk  # keep\n",
         {"face": "face/b c: d.cpu.fnk"}),
        ("extractors:\n  models:\n    face_emben: &m face/a.cpu.fnk\n    body_emben: *m\n",
         {"face": "face/b.cpu.fnk"}),
    ]
    for text, models in cases:
        path = write(tmp_path, text)
        with pytest.raises((NotAsText, KeyError)):
            table = configs._model_table(yaml.safe_load(text))
            configs._switch_models_as_text(text, models, {k for k in models if isinstance(
                table.get(f"{k}_emben"), str)})
        before, after = configs.switch_models(path, models)
        assert after == configs._switch_models_rt(path, before, "\n", models)
        data = yaml.safe_load(after)["extractors"]["models"]
        assert data["face_emben"] in (models["face"], {"default": {"model": models["face"]}})


def test_a_flow_shard_list_is_edited_by_ruamel(tmp_path):
    text = ("storage-api:\n  shards: [{master: 'http://127.0.0.1:8101/v2/', slave: ''}]  # one\n"
            "  timeouts: {connect: 5s}\n")
    path = write(tmp_path, text)
    new = shard_lists(INSTALLS / "gpu8")[0][:2]
    with pytest.raises(NotAsText):
        configs._switch_sf_api_as_text(text, new)
    before, after = configs.switch_sf_api_shards(path, new)
    assert after == configs._switch_sf_api_rt(path, before, "\n", new)
    assert [s["master"] for s in yaml.safe_load(after)["storage-api"]["shards"]] == \
        [configs.shard_master_url(s) for s in new]


def test_a_key_given_twice_is_refused_as_before(tmp_path):
    path = write(tmp_path, "extractors:\n  models:\n    face_emben: face/a.cpu.fnk\n"
                           "extractors: {}\n")
    with pytest.raises(NotAsText):
        YamlText(path.read_text())
    with pytest.raises(EditError) as refused:
        configs.switch_models(path, {"face": "face/b.cpu.fnk"})
    assert "twice" in refused.value.message


def test_comments_and_quotes_stay_where_they_are(tmp_path):
    text = ("# sf-api\nstorage-api:\n  # the shards\n  shards:\n"
            "  - master: \"http://127.0.0.1:8101/v2/\"   # first\n    slave: ''\n"
            "  # between\n  - master: http://127.0.0.1:8102/v2/\n    slave: ''\n"
            "  timeouts: {connect: 5s}  # end\n")
    new = shard_lists(INSTALLS / "gpu8")[0][:3]
    after = configs._switch_sf_api_as_text(text, new)
    assert after == (
        "# sf-api\nstorage-api:\n  # the shards\n  shards:\n"
        "  - master: \"http://127.0.0.1:29000/v2/\"   # first\n    slave: ''\n"
        "  # between\n  - master: http://127.0.0.1:29001/v2/\n    slave: ''\n"
        "  - master: \"http://127.0.0.1:29002/v2/\"   # first\n    slave: ''\n"
        "  timeouts: {connect: 5s}  # end\n")
    # Where text and ruamel differ (never on the fixtures and shapes above), ruamel's is the
    # worse: it keeps a comment's column, not its gap (the model switch always kept the gap),
    # and it copies the comment between the first two entries along with the first.
    by_ruamel = configs._switch_sf_api_rt(write(tmp_path, text), text, "\n", new)
    assert by_ruamel == after.replace('"   # first', '"  # first').replace(
        "    slave: ''\n  timeouts", "    slave: ''\n  # between\n  timeouts")


def test_shape_names_without_the_sandbox_module_are_the_shapes():
    assert list(SHAPE_NAMES) == shape_names()


def test_an_entry_holding_a_block_scalar_is_edited_by_ruamel(tmp_path):
    text = ("storage-api:\n  shards:\n  - master: http://127.0.0.1:8101/v2/\n    note: |\n"
            "      the first\n  # after\n  - master: http://127.0.0.1:8102/v2/\n    note: x\n")
    new = shard_lists(INSTALLS / "gpu8")[0][:1]
    with pytest.raises(NotAsText):
        configs._switch_sf_api_as_text(text, new)
    before, after = configs.switch_sf_api_shards(write(tmp_path, text), new)
    assert [s["master"] for s in yaml.safe_load(after)["storage-api"]["shards"]] == \
        [configs.shard_master_url(new[0])]
