"""SIGKILL of ffwizard at every named point (between steps and inside each), then `resume`:
the result is the same as an uninterrupted run's, file for file and object for object.

The executor passes named points (`<step>:<point>`); FFWIZARD_TEST_KILL_AT makes it SIGKILL
itself at one. POINTS lists them all; a reference run checks the list is complete.
"""

from __future__ import annotations

import pytest
from executor_helpers import (ffwizard, install_files, shard_content, shard_dirs, tree_digest,
                              write_answers)

from ffwizard.core.journal import archive_dir, current_run_dir
from ffwizard.core.plan import Plan

POINTS = [
    "backup:started", "backup:dumped", "backup:copied", "backup:moved", "backup:done",
    "create_shard_dirs:started", "create_shard_dirs:made_dir", "create_shard_dirs:done",
    "switch_model:started", "switch_model:backed_up", "switch_model:written",
    "switch_model:restarted", "switch_model:done",
    "add_new_shards:started", "add_new_shards:backed_up", "add_new_shards:written",
    "add_new_shards:composed_up", "add_new_shards:done",
    "write_migration_config:started", "write_migration_config:backed_up",
    "write_migration_config:written", "write_migration_config:copied_in",
    "write_migration_config:done",
    "run_migration:started", "run_migration:launched", "run_migration:waiting", "run_migration:done",
    "verify_copy:started", "verify_copy:done",
    "remove_old_shards:started", "remove_old_shards:backed_up", "remove_old_shards:written",
    "remove_old_shards:composed_up", "remove_old_shards:done",
    "switch_sf_api:started", "switch_sf_api:backed_up", "switch_sf_api:written",
    "switch_sf_api:restarted", "switch_sf_api:done",
    "migrate_clusters:started", "migrate_clusters:done",
    "verify_final:started", "verify_final:done",
]
# Slow the simulated migration tool so that ffwizard polls it a few times.
PACED = {"FFSIM_PACE": "250"}
OBJECTS = 200


def new_shards_content(root):
    """gallery -> (model, objects) over the new shards: comparable across sandboxes."""
    merged = {}
    for d in shard_dirs(root):
        if d.name >= "shard-011":
            for name, (model, objects) in shard_content(d).items():
                entry = merged.setdefault(name, [model, []])
                entry[1].extend(objects)
    return {k: (m, sorted(o)) for k, (m, o) in merged.items()}


def check_finished_like_uninterrupted(root, old_digest, reference_content):
    assert not current_run_dir(root).exists()
    runs = list(archive_dir(root).iterdir())
    assert len(runs) == 1
    plan = Plan.load(runs[0])
    afters = {}
    for step in plan.steps:
        for change in step.changes:
            afters[change.path] = change.after
    for path, after in afters.items():
        if ".ffwizard" not in path.parts:  # migration.yaml moved with the run directory
            assert path.read_text() == after, path
    assert {d.name: tree_digest(d) for d in shard_dirs(root) if d.name < "shard-011"} == old_digest
    assert new_shards_content(root) == reference_content
    leftovers = [p for p in root.rglob("*") if p.name.endswith(".ffwizard-tmp")]
    assert leftovers == []
    assert (root / "backups" / "ffmulti_dump").is_dir()
    assert not list(root.glob("backups/.*partial"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run: the points it passes and the new shards it leaves."""
    from ffwizard.demo import prepare_demo, stop_demo

    base = tmp_path_factory.mktemp("reference")
    root = prepare_demo(base / "install", shards=2, objects=OBJECTS).root
    points_file = base / "points"
    try:
        result = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(base)),
                          "--runtime", "sim", "--yes",
                          env={**PACED, "FFWIZARD_TEST_POINTS_FILE": str(points_file)})
        assert result.returncode == 0, result.stdout + result.stderr
        content = new_shards_content(root)
    finally:
        stop_demo(root, release_ports=True)
    passed = list(dict.fromkeys(points_file.read_text().split()))
    return passed, content


def test_every_point_is_covered(reference):
    passed, content = reference
    assert passed == POINTS
    assert sum(len(objects) for _, objects in content.values()) == OBJECTS


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_sigkill_then_resume_finishes_like_an_uninterrupted_run(point, reference, make_sandbox, tmp_path):
    root = make_sandbox(objects=OBJECTS)
    old_digest = {d.name: tree_digest(d) for d in shard_dirs(root)}
    killed = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "sim", "--yes", env={**PACED, "FFWIZARD_TEST_KILL_AT": point})
    assert killed.returncode == -9, killed.stdout + killed.stderr
    resumed = ffwizard("resume", "--root", str(root), "--yes", env=PACED)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    check_finished_like_uninterrupted(root, old_digest, reference[1])


ROLLBACK_POINTS = [p for p in POINTS[:POINTS.index("switch_sf_api:started")]
                   if p.split(":")[1] in ("made_dir", "written", "restarted", "composed_up",
                                          "launched", "waiting", "copied_in")]


@pytest.mark.slow
@pytest.mark.parametrize("point", ROLLBACK_POINTS)
def test_sigkill_then_rollback_restores_everything(point, make_sandbox, tmp_path):
    root = make_sandbox(objects=OBJECTS)
    files_before = install_files(root)
    old_digest = {d.name: tree_digest(d) for d in shard_dirs(root)}
    killed = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "sim", "--yes", env={**PACED, "FFWIZARD_TEST_KILL_AT": point})
    assert killed.returncode == -9
    rolled = ffwizard("rollback", "--root", str(root))
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert install_files(root) == files_before
    assert {d.name: tree_digest(d) for d in shard_dirs(root)} == old_digest


@pytest.mark.slow
@pytest.mark.parametrize("point", ["add_new_shards:undone", "switch_model:undone"])
def test_sigkill_during_rollback_then_rollback_again(point, make_sandbox, tmp_path):
    root = make_sandbox(objects=OBJECTS)
    files_before = install_files(root)
    stopped = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                       "--runtime", "sim")
    assert stopped.returncode == 3
    killed = ffwizard("rollback", "--root", str(root), env={"FFWIZARD_TEST_KILL_AT": point})
    assert killed.returncode == -9
    rolled = ffwizard("rollback", "--root", str(root))
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert install_files(root) == files_before
    assert [d.name for d in shard_dirs(root)] == ["shard-001", "shard-002"]


@pytest.mark.slow
@pytest.mark.parametrize("point", ["run_migration:rerun_removed", "run_migration:rerun_emptied",
                                   "run_migration:rerun_up"])
def test_sigkill_during_a_rerun_then_resume(point, reference, make_sandbox, tmp_path):
    root = make_sandbox(objects=OBJECTS)
    old_digest = {d.name: tree_digest(d) for d in shard_dirs(root)}
    failed = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "sim", "--yes", env={"FFSIM_MIGRATE_DIE_AFTER": "90"})
    assert failed.returncode == 1
    killed = ffwizard("resume", "--root", str(root), "--yes", "--rerun-migration",
                      env={"FFWIZARD_TEST_KILL_AT": point})
    assert killed.returncode == -9, killed.stdout + killed.stderr
    resumed = ffwizard("resume", "--root", str(root), "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    check_finished_like_uninterrupted(root, old_digest, reference[1])
    run = next(archive_dir(root).iterdir())
    moved = run / "aside" / "attempt-1"
    assert sorted(p.name for p in moved.iterdir() if p.name.startswith("shard")) == ["shard-011", "shard-012"]
