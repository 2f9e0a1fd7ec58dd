"""`ffwizard demo --shape NAME`: every shape in the registry builds, records its name, and the
default builds exactly the vendor's layout."""

from __future__ import annotations

import json

import pytest

from ffwizard.core.errors import UserError
from ffwizard.demo import ports
from ffwizard.demo.sandbox import MARKER, VENDOR, build_sandbox, open_sandbox
from ffwizard.demo.shapes import SHAPES, shape_named, shape_names
from ffwizard.runtime.sim import prepare_demo


@pytest.fixture(autouse=True)
def private_port_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("FFSIM_PORT_REGISTRY", str(tmp_path / "registry"))


def _files(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink() and MARKER.parts[0] not in p.relative_to(root).parts}


def test_the_default_shape_is_the_vendors_layout(tmp_path):
    default = build_sandbox(tmp_path / "default", shards=2, objects=20)
    vendor = build_sandbox(tmp_path / "vendor", shards=2, objects=20, shape=shape_named("vendor"))
    try:
        assert shape_named(None) is VENDOR and shape_names()[0] == "vendor"
        assert default.shape == vendor.shape == "vendor"
        assert json.loads((default.root / MARKER).read_text())["shape"] == "vendor"
        ours, theirs = _files(default.root), _files(vendor.root)
        # The same files (their texts differ only in the ports each sandbox was given).
        assert ours.keys() == theirs.keys()
    finally:
        for box in (default, vendor):
            ports.release_block(box.root, box.ports.offset)


@pytest.mark.parametrize("shape", [s.name for s in SHAPES])
def test_every_shape_builds_and_records_its_name(tmp_path, shape):
    box = build_sandbox(tmp_path / shape, shards=2, objects=20, device="cpu",
                        shape=shape_named(shape))
    try:
        assert json.loads((box.root / MARKER).read_text())["shape"] == shape
        assert open_sandbox(box.root).shape == shape
        assert (box.root / "docker-compose.yaml").is_file()
    finally:
        ports.release_block(box.root, box.ports.offset)


def test_an_unknown_shape_is_one_sentence():
    with pytest.raises(UserError, match="there is no demo shape 'nope': choose one of vendor"):
        shape_named("nope")


def test_a_sandbox_is_reused_only_in_its_own_shape(tmp_path):
    demo = prepare_demo(tmp_path / "box", shards=1, objects=5, start=False)
    ports.release_block(demo.root, open_sandbox(demo.root).ports.offset)
    assert prepare_demo(tmp_path / "box", start=False, shape="vendor").created is False
    ports.release_block(demo.root, open_sandbox(demo.root).ports.offset)
    assert prepare_demo(tmp_path / "box", start=False).created is False  # no --shape: as built
    ports.release_block(demo.root, open_sandbox(demo.root).ports.offset)
