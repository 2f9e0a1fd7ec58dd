"""The saved plan (what resume and rollback act on) and the report, on the install fixtures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ffwizard.core.answers import resolve_answers
from ffwizard.core.detect import detect
from ffwizard.core.journal import RunDir
from ffwizard.core.plan import build_plan
from ffwizard.core.report import render_report
from ffwizard.core.plan import Plan

INSTALLS = Path(__file__).resolve().parents[1] / "fixtures" / "installs"
S3_SECRETS = ("wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY", "AKIAIOSFODNN7EXAMPLE")


@pytest.fixture
def s3_root(tmp_path):
    root = tmp_path / "s3"
    shutil.copytree(INSTALLS / "s3", root)
    return root


def make_plan(root: Path, raw=None):
    inst = detect(root)
    answers, problems = resolve_answers(inst, raw or {})
    return build_plan(inst, answers, problems=problems)


def test_saved_plan_round_trips_and_keeps_secrets_private(s3_root):
    plan = make_plan(s3_root)
    migration = plan.step("write_migration_config").changes[0]
    assert migration.secret and S3_SECRETS[0] in migration.after  # the fixture has secrets
    run = RunDir.create(s3_root, "sim")
    plan.save(run.path)
    loaded = Plan.load(run.path)
    assert [s.id for s in loaded.steps] == [s.id for s in plan.steps]
    for original, again in zip(plan.steps, loaded.steps):
        assert again.params == original.params
        assert [(c.path, c.before, c.after, c.mode, c.secret) for c in again.changes] == \
            [(c.path, c.before, c.after, c.mode, c.secret) for c in original.changes]
    plan_json = (run.path / "plan.json").read_text()
    for secret in S3_SECRETS:
        assert secret not in plan_json
    private = run.path / "private"
    assert os.stat(private).st_mode & 0o777 == 0o700
    assert all(os.stat(p).st_mode & 0o777 == 0o600 for p in private.iterdir())


def test_report_reads_like_a_report_and_holds_no_secret(s3_root):
    plan = make_plan(s3_root)
    run = RunDir.create(s3_root, "sim")
    saved = plan
    saved.save(run.path)
    run.journal.append("run_started")
    run.journal.append("step_started", step="backup")
    run.journal.append("step_data", step="backup", data={"dump_dir": "/srv/dump"})
    run.journal.append("step_done", step="backup")
    run.journal.append("step_started", step="create_shard_dirs")
    run.journal.append("step_failed", step="create_shard_dirs", error="disk full")
    run.journal.append("run_failed", step="create_shard_dirs", error="disk full")
    text = render_report(run, saved)
    assert "**failed**" in text and "Stopped because: disk full" in text
    assert "| 1 | Back up the feature-vector database | done |" in text
    assert "| 2 | Create the new shards' data directories | failed |" in text
    assert "`/srv/dump`" in text
    for secret in S3_SECRETS:
        assert secret not in text
