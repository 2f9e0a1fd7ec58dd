"""What `ffwizard plan` shows of each file (its own process) is what `apply` then writes, file by
file and step by step, comments and line endings kept: plan and apply edit each file the same way
(as text where it can be, with ruamel.yaml where not). Real sandboxes, real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from executor_helpers import ffwizard, write_answers

from ffwizard.core.plan import FileChange

# The steps whose diffs stay masked (their files hold storage keys), as the steps mark them.
SECRET_STEPS = ("switch_sf_api", "write_migration_config")
# `apply` without a terminal stops before this step (it asks before the old shards stop).
STOPS_BEFORE = "remove_old_shards"


def text_of(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def comment_lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip().startswith("#")}


@pytest.mark.parametrize("shape", [None, "crlf", "replicas", "direct-model"])
def test_plan_shows_the_bytes_apply_writes(make_sandbox, tmp_path, shape):
    root = make_sandbox(shape=shape)
    answers = write_answers(tmp_path)
    shown = ffwizard("plan", "--root", str(root), "--answers", str(answers), "--json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    steps = json.loads(shown.stdout)["steps"]
    shown_diffs = [(step["id"], Path(path), diff) for step in steps
                   for path, diff in step["diffs"].items()]
    assert {step for step, _path, _diff in shown_diffs} == {
        "switch_model", "add_new_shards", "write_migration_config", "remove_old_shards",
        "switch_sf_api"}
    originals = {path: text_of(path) for _step, path, _diff in shown_diffs}

    first = ffwizard("apply", "--root", str(root), "--answers", str(answers), "--runtime", "sim")
    assert first.returncode == 3, first.stdout + first.stderr  # stopped before the old shards stop
    before_stop = {path: text_of(path) for path in originals}
    resumed = ffwizard("resume", "--root", str(root), "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    at_end = {path: text_of(path) for path in originals if path.exists()}

    order = [step["id"] for step in steps]
    current = dict(originals)
    for step, path, diff in shown_diffs:
        written = (before_stop if order.index(step) < order.index(STOPS_BEFORE) else at_end)[path]
        assert written is not None, (step, path)
        as_written = FileChange(path=path, before=current[path], after=written,
                                secret=step in SECRET_STEPS, root=root).diff()
        assert as_written == diff, (step, path)
        current[path] = written
    for path, original in originals.items():
        if original is None:
            continue  # migration.yaml: written new
        final = current[path]
        assert comment_lines(original) <= comment_lines(final), path  # every comment kept
        assert ("\r\n" in original) == ("\r\n" in final), path  # the file's line endings
        if shape == "crlf":
            assert final.count("\n") == final.count("\r\n"), path
