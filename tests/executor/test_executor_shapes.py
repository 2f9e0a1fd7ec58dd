"""The shapes sites have (`ffwizard demo --shape`), end to end through the CLI on real sandboxes:
those ffwizard migrates run `plan` and `apply --runtime sim` to the end, keep their form (CRLF
stays CRLF, a link stays a link, a model file directly under its key stays there) and roll back
to the bytes they had; those it refuses stop at `plan` and `apply` with their one sentence,
having changed nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from executor_helpers import NEW_MODELS, ffwizard, install_files, write_answers

EXTRACTION = Path("configs/findface-extraction-api/findface-extraction-api.yaml")
SF_API = Path("configs/findface-sf-api/findface-sf-api.yaml")
EDITED = (Path("docker-compose.yaml"), EXTRACTION, SF_API)


def links(root: Path) -> dict[str, str]:
    return {str(p): os.readlink(root / p) for p in EDITED if (root / p).is_symlink()}


def contents(root: Path) -> dict[str, bytes]:
    """The edited files' bytes, read through any link."""
    return {str(p): (root / p).read_bytes() for p in EDITED}


def apply(root: Path, tmp_path: Path, *extra: str):
    return ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                    "--runtime", "sim", *extra)


def test_direct_model_form_migrates_and_stays_direct(make_sandbox, tmp_path):
    root = make_sandbox(shape="direct-model")
    planned = ffwizard("plan", "--root", str(root), "--answers", str(write_answers(tmp_path)))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "+    face_emben: face/nectarine_m_160.gpu.fnk" in planned.stdout

    done = apply(root, tmp_path, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    config = yaml.safe_load((root / EXTRACTION).read_text())
    assert {t: config["extractors"]["models"][f"{t}_emben"] for t in NEW_MODELS["gpu"]} == \
        NEW_MODELS["gpu"]  # each one a file name directly under its key, as it was
    assert config["models_root"] == "/usr/share/findface-data/models"  # still at the top level


def test_crlf_files_migrate_keeping_crlf_and_roll_back_byte_for_byte(make_sandbox, tmp_path):
    root = make_sandbox(shape="crlf")
    before = install_files(root)
    stopped = apply(root, tmp_path)  # stops at the point of no return (no terminal, no --yes)
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert "changed since the plan" not in stopped.stdout + stopped.stderr
    for path in (Path("docker-compose.yaml"), EXTRACTION):
        text = (root / path).read_bytes()
        assert text != before[str(path)] and text.count(b"\n") == text.count(b"\r\n"), path
    rolled = ffwizard("rollback", "--root", str(root))
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert install_files(root) == before

    done = apply(root, tmp_path, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    for path in EDITED:
        text = (root / path).read_bytes()
        assert text.count(b"\n") == text.count(b"\r\n"), path
    assert yaml.safe_load((root / SF_API).read_text())["storage-api"]["shards"] != \
        yaml.safe_load(before[str(SF_API)].decode())["storage-api"]["shards"]  # switched


def test_symlinked_configs_are_edited_through_their_links(make_sandbox, tmp_path):
    root = make_sandbox(shape="symlinked-configs")
    linked, before = links(root), contents(root)
    assert len(linked) == 3
    stopped = apply(root, tmp_path)
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert links(root) == linked  # still links, to the same targets
    assert contents(root)[str(EXTRACTION)] != before[str(EXTRACTION)]  # the target changed
    assert b"nectarine_m_160" in (root / "site-settings/findface-extraction-api.yaml").read_bytes()
    rolled = ffwizard("rollback", "--root", str(root))
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert links(root) == linked and contents(root) == before

    done = apply(root, tmp_path, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert links(root) == linked
    assert not any(p.name.endswith(".ffwizard-tmp") for p in (root / "site-settings").iterdir())


@pytest.mark.parametrize("shape,sentence", [
    ("systemd-era-model", "extractors.models names its models without _emben"),
    ("multi-2.0", "2 shard services (findface-tarantool-server-shard-001, …) are configured by "
                  "their own shard-NNN.lua files"),
    ("distributed", "this compose file runs no shard: sf-api's 2 shards live on 192.0.2.20"),
])
def test_refused_shapes_stop_at_plan_and_apply_with_one_sentence(make_sandbox, tmp_path, shape,
                                                                 sentence):
    root = make_sandbox(shape=shape)
    before = install_files(root)
    planned = ffwizard("plan", "--root", str(root), "--answers", str(write_answers(tmp_path)))
    assert planned.returncode == 2
    errors = [line for line in planned.stdout.splitlines() if line.startswith("  error: ")]
    assert len(errors) == 1, planned.stdout
    assert sentence in " ".join(planned.stdout.split()), planned.stdout
    applied = apply(root, tmp_path, "--yes")
    assert applied.returncode == 2, applied.stdout + applied.stderr
    assert sentence.split(":")[0] in " ".join((applied.stdout + applied.stderr).split())
    assert install_files(root) == before
    assert "Traceback" not in applied.stderr
