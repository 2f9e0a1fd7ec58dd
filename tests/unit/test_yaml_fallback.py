"""The offline bundle may ship PyYAML without libyaml: every read falls back to the pure-Python
loader, chosen at read time, and detection, proposals and the plan come out the same."""

from __future__ import annotations

import yaml
from install_fixtures import INSTALLS, copy_install

from ffwizard.core.answers import load_answers
from ffwizard.core.detect import detect
from install_fixtures import plan_of


def without_libyaml(monkeypatch) -> list[str]:
    """Remove the C loader; count the documents the pure-Python one reads."""
    loaded: list[str] = []

    class CountingSafeLoader(yaml.SafeLoader):
        def __init__(self, stream):
            loaded.append(stream if isinstance(stream, str) else "<stream>")
            super().__init__(stream)

    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    monkeypatch.setattr(yaml, "SafeLoader", CountingSafeLoader)
    return loaded


def test_detect_reads_every_file_with_the_pure_python_loader(monkeypatch):
    with_c = detect(INSTALLS / "gpu8", compose_command=["docker", "compose"])
    loaded = without_libyaml(monkeypatch)
    without_c = detect(INSTALLS / "gpu8", compose_command=["docker", "compose"])
    assert len(loaded) >= 3  # compose file, extraction-api config, sf-api config
    assert without_c.to_public_dict() == with_c.to_public_dict()
    assert without_c.problems == []


def test_plan_and_answers_without_libyaml(monkeypatch, tmp_path):
    root = copy_install("cpu4_block", tmp_path)
    answers_file = tmp_path / "answers.yaml"
    answers_file.write_text("object_types: [face]\nbackup_dir: /var/backups/ff\n")
    expected = plan_of(root, load_answers(answers_file)).to_json_dict()
    loaded = without_libyaml(monkeypatch)
    plan = plan_of(root, load_answers(answers_file))
    assert any("object_types" in text for text in loaded)
    # the edits' self-checks parse the edited texts too
    assert any("findface-tarantool-server-shard-011" in text for text in loaded)
    assert plan.to_json_dict() == expected
    assert not plan.blocked
