"""Reading fast and editing faithfully: identity round trips on every fixture, indentation,
splicing edits into files ruamel would re-format, clear errors for malformed YAML."""

from __future__ import annotations

import pytest
from install_fixtures import INSTALLS, NAMES

from ffwizard.core.yamlio import (
    RoundTrip,
    YamlReadError,
    detect_indent,
    parse_yaml,
    read_yaml_file,
    rt_dump,
    rt_load,
    splice,
)

YAML_FILES = sorted(p for name in NAMES for p in (INSTALLS / name).rglob("*.yaml"))
# ruamel joins flow collections wrapped over several lines (sf-api's s3 settings, a compose
# file written by PyYAML at 80 columns).
def wraps_flow(path):
    return path.name == "findface-sf-api.yaml" or path.parent.name == "wrapped"


def test_every_fixture_has_yaml_files():
    assert len(YAML_FILES) >= 3 * len(NAMES)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(INSTALLS)))
def test_identity_round_trip(path):
    text = path.read_text()
    rt, document = rt_load(text, where=str(path))
    dumped = rt_dump(rt, document)
    if wraps_flow(path):
        assert dumped != text  # the known re-formatting ...
        assert RoundTrip(text, where=str(path)).render() == text  # ... that splicing undoes
    else:
        assert dumped == text
        assert RoundTrip(text, where=str(path)).render() == text


def test_detect_indent_vendor_and_block_styles():
    assert detect_indent((INSTALLS / "gpu8/docker-compose.yaml").read_text()) == (2, 2, 0)
    assert detect_indent((INSTALLS / "cpu4_block/docker-compose.yaml").read_text()) == (2, 4, 2)
    assert detect_indent("a:\n    b:\n        - 1\n") == (4, 6, 4)


def test_splice_keeps_reformatted_lines_and_applies_the_edit():
    text = ("top: {a: 1, b: 2,\n  c: 3}\nlist:\n- x  # keep\n- y\n")
    edit = RoundTrip(text, where="t.yaml")
    assert edit.baseline != text  # ruamel joins the wrapped flow mapping
    edit.document["list"][1] = "z"
    assert edit.render() == "top: {a: 1, b: 2,\n  c: 3}\nlist:\n- x  # keep\n- z\n"


def test_splice_refuses_an_edit_inside_a_reformatted_region():
    with pytest.raises(ValueError):
        splice("a: {x: 1,\n  y: 2}\n", "a: {x: 1, y: 2}\n", "a: {x: 1, y: 3}\n")


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(YamlReadError) as info:
        read_yaml_file(path, what="compose file")
    assert info.value.where.startswith(f"{path}:")
    assert "not valid YAML" in str(info.value)
    assert "Traceback" not in str(info.value)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(YamlReadError, match="is missing"):
        read_yaml_file(tmp_path / "nope.yaml", what="sf-api config")


def test_parse_yaml_reads_with_the_fast_loader():
    assert parse_yaml("a: [1, 2]\nb: {c: d}\n", where="x") == {"a": [1, 2], "b": {"c": "d"}}
