"""apply, status, resume and rollback end to end on a simulated installation (real processes on
loopback, real files), through the CLI as a user runs it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from executor_helpers import (
    NEW_MODELS,
    ffwizard,
    install_files,
    journal_events,
    shard_content,
    shard_dirs,
    tree_digest,
    write_answers,
)

from ffwizard.core.journal import archive_dir, current_run_dir
from ffwizard.core.planner import load_plan
from ffwizard.runtime import open_runtime


def final_afters(run_dir: Path) -> dict[Path, str]:
    """Each file's last `after` in the saved plan: what an uninterrupted run leaves."""
    plan = load_plan(run_dir)
    result = {}
    for step in plan.steps:
        for change in step.changes:
            result[change.path] = change.after
    return result


def only_run(root: Path) -> Path:
    runs = list(archive_dir(root).iterdir())
    assert len(runs) == 1
    return runs[0]


def test_apply_migrates_and_leaves_old_data_untouched(make_sandbox, tmp_path):
    root = make_sandbox()
    old_dirs = shard_dirs(root)
    for d in old_dirs:  # owner and mode the new shards must copy
        os.chown(d, 1234, 1234)
        os.chmod(d, 0o750)
    old_digest = {d.name: tree_digest(d) for d in old_dirs}
    old_content = {}
    for d in old_dirs:
        for name, (model, objects) in shard_content(d).items():
            old_content.setdefault(name, []).extend(objects)

    result = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "sim", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Migration finished" in result.stdout
    run = only_run(root)
    assert not current_run_dir(root).exists()

    # The edited files are exactly the plan's last versions of them.
    for path, after in final_afters(run).items():
        if ".ffwizard" not in path.parts:
            assert path.read_text() == after, path
    # Old shard data: byte for byte as before.
    assert {d.name: tree_digest(d) for d in old_dirs} == old_digest
    # New shards: same owner and mode as the old ones, every object re-extracted with the new model.
    new_dirs = [d for d in shard_dirs(root) if d not in old_dirs]
    assert [d.name for d in new_dirs] == ["shard-011", "shard-012"]
    new_content = {}
    for d in new_dirs:
        st = d.stat()
        assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (1234, 0o750)
        for name, (model, objects) in shard_content(d).items():
            kind = next(t for t in ("face", "body", "car") if t in name)
            assert model == NEW_MODELS["gpu"][kind]
            new_content.setdefault(name, []).extend(objects)
    assert {k: sorted(i for i, _ in v) for k, v in new_content.items()} == \
        {k: sorted(i for i, _ in v) for k, v in old_content.items()}
    # migration.yaml readable by root only; the report tells the story.
    assert stat.S_IMODE((run / "migration.yaml").stat().st_mode) == 0o600
    report = (run / "report.md").read_text()
    assert "**finished**" in report and "| ffsec_face_events |" in report
    assert "objects/s" in report
    status = ffwizard("status", "--root", str(root))
    assert status.returncode == 0 and "finished" in status.stdout


def test_without_a_terminal_apply_stops_before_the_point_of_no_return(make_sandbox, tmp_path):
    root = make_sandbox()
    result = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "sim")
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"ffwizard resume --root {root} --yes" in result.stdout
    events = journal_events(root)
    # It stops before the old shards stop: the live system keeps serving from them meanwhile.
    assert events[-1]["event"] == "run_stopped" and events[-1]["step"] == "remove_old_shards"
    done = [e["step"] for e in events if e["event"] == "step_done"]
    assert done == ["backup", "create_shard_dirs", "pause_event_intake", "switch_model",
                    "add_new_shards", "write_migration_config", "run_migration", "verify_copy",
                    "count_arrivals"]
    states = open_runtime("sim", root, "findface-multi", root / "docker-compose.yaml").services()
    assert states["findface-tarantool-server-shard-001"].state == "running"
    status = ffwizard("status", "--root", str(root))
    assert "stopped" in status.stdout and "resume" in status.stdout
    # sf-api was not touched yet.
    plan = load_plan(current_run_dir(root))
    sf = plan.step("switch_sf_api").changes[0]
    assert sf.path.read_text() == sf.before

    again = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                     "--runtime", "sim", "--yes")
    assert again.returncode == 2 and "resume" in again.stderr

    resumed = ffwizard("resume", "--root", str(root), "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "already done" in resumed.stdout
    assert sf.path.read_text() == sf.after


def test_rollback_restores_every_file_and_keeps_old_data(make_sandbox, tmp_path):
    root = make_sandbox()
    files_before = install_files(root)
    old_dirs = shard_dirs(root)
    old_digest = {d.name: tree_digest(d) for d in old_dirs}
    stopped = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                       "--runtime", "sim")
    assert stopped.returncode == 3
    assert install_files(root) != files_before  # compose and extraction config were changed

    result = ffwizard("rollback", "--root", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert install_files(root) == files_before
    assert {d.name: tree_digest(d) for d in old_dirs} == old_digest
    # The new shard directories held migrated data: moved into the run directory, not deleted.
    assert shard_dirs(root) == old_dirs
    run = only_run(root)
    assert sorted(p.name for p in (run / "aside" / "new-shards").iterdir()) == ["shard-011", "shard-012"]
    # Old shards serve again, the new services are gone.
    from ffwizard.runtime.sim import SimRuntime

    runtime = SimRuntime(root)
    services = runtime.services()
    assert "findface-tarantool-server-shard-011" not in services
    assert services["findface-tarantool-server-shard-001"].state == "running"
    events = [e["event"] for e in json.loads("[" + ",".join((run / "journal.jsonl").read_text().split("\n")[:-1]) + "]")]
    assert events[-1] == "rollback_done"
    # A new apply can start afresh; its dump goes next to the first one, which stays.
    assert not current_run_dir(root).exists()
    first_dump = tree_digest(root / "backups" / "ffmulti_dump")
    again = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                     "--runtime", "sim", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert tree_digest(root / "backups" / "ffmulti_dump") == first_dump
    second = [p for p in (root / "backups").iterdir() if p.name != "ffmulti_dump"]
    assert len(second) == 1 and second[0].name.startswith("ffmulti_dump.")


def test_rollback_is_refused_past_the_point_of_no_return(make_sandbox, tmp_path):
    root = make_sandbox()
    answers = write_answers(tmp_path)
    # No --runtime: a demo sandbox means the sim runtime, recorded for resume and rollback.
    result = ffwizard("apply", "--root", str(root), "--answers", str(answers), "--yes",
                      env={"FFWIZARD_TEST_KILL_AT": "switch_sf_api:restarted"})
    assert result.returncode == -9
    assert json.loads((current_run_dir(root) / "run.json").read_text())["runtime"] == "sim"
    status = ffwizard("status", "--root", str(root))
    assert "interrupted (ffwizard is no longer running)" in status.stdout
    assert "[stopped] 11. Point sf-api at the new shards" in status.stdout
    refused = ffwizard("rollback", "--root", str(root))
    assert refused.returncode == 2
    assert "point of no return" in refused.stderr and "resume" in refused.stderr
    assert "sf-api already serves the new shards" in " ".join(refused.stderr.split())
    assert ffwizard("resume", "--root", str(root), "--yes").returncode == 0


def test_secrets_never_reach_output_journal_or_report(make_sandbox, tmp_path):
    root = make_sandbox()
    secret_key, access_key = "S3cr3t-Acc3ss-Key-4711-do-not-print", "AKIA-PRIVATE-0815"
    sf_api = root / "configs/findface-sf-api/findface-sf-api.yaml"
    text = sf_api.read_text().replace("access-key: '', secret-access-key: ''",
                                      f"access-key: '{access_key}', secret-access-key: '{secret_key}'")
    assert secret_key in text
    sf_api.write_text(text)
    result = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "sim", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    run = only_run(root)
    assert secret_key in (run / "migration.yaml").read_text()  # the tool needs it...
    private = {run / "migration.yaml", run / "private", run / "backups"}
    for path in (run / "private").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((run / "backups").stat().st_mode) == 0o700
    outputs = [result.stdout, result.stderr,
               ffwizard("status", "--root", str(root)).stdout]
    for path in run.rglob("*"):
        if path.is_file() and not any(p == path or p in path.parents for p in private):
            outputs.append(path.read_text(errors="replace"))
    for text in outputs:  # ...and nobody else sees it
        assert secret_key not in text and access_key not in text


def test_migration_failure_names_its_output_and_rerun_finishes(make_sandbox, tmp_path):
    root = make_sandbox()
    answers = write_answers(tmp_path)
    failed = ffwizard("apply", "--root", str(root), "--answers", str(answers), "--runtime", "sim",
                      "--yes", env={"FFSIM_MIGRATE_DIE_AFTER": "120"})
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "the migration tool was killed (exit status 137: SIGKILL" in failed.stderr
    assert "--rerun-migration" in failed.stderr
    assert "objects" in failed.stderr  # the tool's last lines are shown
    status = ffwizard("status", "--root", str(root))
    assert "FAILED" in status.stdout and "--rerun-migration" in status.stdout
    # A plain resume does not start a second migration into half-filled shards.
    again = ffwizard("resume", "--root", str(root), "--yes")
    assert again.returncode == 1 and "--rerun-migration" in again.stderr

    rerun = ffwizard("resume", "--root", str(root), "--yes", "--rerun-migration")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    run = only_run(root)
    aside = run / "aside" / "attempt-1"
    assert {p.name for p in aside.iterdir()} >= {"shard-011", "shard-012", "migration.log"}
    report = (run / "report.md").read_text()
    assert "**finished**" in report


def test_new_shard_going_down_mid_migration_stops_before_any_switch(make_sandbox, tmp_path):
    root = make_sandbox()
    files_before = install_files(root)
    result = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "sim", "--yes",
                      env={"FFSIM_SHARD_DOWN_AFTER_ADDS": "findface-tarantool-server-shard-012=40"})
    assert result.returncode == 1, result.stdout + result.stderr
    events = journal_events(root)
    failed = [e for e in events if e["event"] == "step_failed"]
    assert failed and failed[-1]["step"] in ("run_migration", "verify_copy")
    assert not any(e["event"] == "step_started" and e["step"] == "switch_sf_api" for e in events)
    rolled = ffwizard("rollback", "--root", str(root))
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert install_files(root) == files_before


def test_a_file_made_read_only_during_the_run_stops_it_unchanged(make_sandbox, tmp_path):
    root = make_sandbox()
    stopped = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                       "--runtime", "sim")
    assert stopped.returncode == 3
    sf_api = root / "configs/findface-sf-api/findface-sf-api.yaml"
    before = sf_api.read_bytes()
    os.chmod(sf_api, 0o444)
    failed = ffwizard("resume", "--root", str(root), "--yes")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f"{sf_api} is read-only" in failed.stderr and "chmod u+w" in failed.stderr
    assert sf_api.read_bytes() == before
    os.chmod(sf_api, 0o644)
    resumed = ffwizard("resume", "--root", str(root), "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert stat.S_IMODE(sf_api.stat().st_mode) == 0o644


def test_rollback_names_the_model_cache_files_the_run_caused_and_leaves_them(make_sandbox,
                                                                            tmp_path):
    """The GPU extraction service builds a cache file for the new model on its first start
    (FINDFACE.md). Rollback cannot undo that by restoring a file, and the cache is the vendor
    service's own: it leaves those files, names each in its output and the report, with why,
    and touches nothing else in the cache."""
    root = make_sandbox()
    cache = root / "cache/findface-extraction-api/models"
    cache_before = tree_digest(cache)
    assert cache_before  # the old models' caches, built when the sandbox started
    stopped = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                       "--runtime", "sim")
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    made = sorted(set(tree_digest(cache)) - set(cache_before))
    assert "face_nectarine_m_160.gpu.fnk.cache" in made

    result = ffwizard("rollback", "--root", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    left = tree_digest(cache)
    assert {k: v for k, v in left.items() if k in cache_before} == cache_before  # untouched
    assert sorted(set(left) - set(cache_before)) == made  # left, and named:
    out = " ".join(result.stdout.split())
    assert f"Left in place: {len(made)} files the extraction service wrote to its model cache" \
        in out
    assert f"(on the host: {cache})" in out
    for name in made:
        assert name in out
    report = " ".join((only_run(root) / "report.md").read_text().split())
    assert "## Left in place" in report and all(name in report for name in made)
    assert "need not build them again" in report


def test_rollback_on_a_cpu_site_names_no_cache(make_sandbox, tmp_path):
    """A CPU extraction service builds no model cache: rollback has nothing to name."""
    root = make_sandbox(device="cpu")
    stopped = ffwizard("apply", "--root", str(root), "--answers",
                       str(write_answers(tmp_path, "cpu")), "--runtime", "sim")
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    result = ffwizard("rollback", "--root", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Left in place" not in result.stdout
    assert "Left in place" not in (only_run(root) / "report.md").read_text()


def test_rollback_past_the_switch_says_where_sf_api_truly_is(make_sandbox, tmp_path):
    """Killed after the sf-api config is written, before sf-api restarts on it: rollback once
    said "sf-api already serves the new shards" — untrue while sf-api still runs on the old
    list, and untrue when a restart cut short left it stopped. Each case is said as it is, and
    the command it names finishes the run."""
    from ffwizard.runtime.sim import SimRuntime

    root = make_sandbox(objects=100)
    killed = ffwizard("apply", "--root", str(root), "--answers", str(write_answers(tmp_path)),
                      "--runtime", "sim", "--yes",
                      env={"FFWIZARD_TEST_KILL_AT": "switch_sf_api:written"})
    assert killed.returncode == -9, killed.stdout + killed.stderr
    refused = ffwizard("rollback", "--root", str(root))
    words = " ".join(refused.stderr.split())
    assert refused.returncode == 2 and "already serves" not in words, words
    assert "sf-api has not been restarted onto the new ones yet" in words

    SimRuntime(root).stop_services(["findface-sf-api"])  # as a kill inside its restart leaves it
    refused = ffwizard("rollback", "--root", str(root))
    words = " ".join(refused.stderr.split())
    assert refused.returncode == 2 and "already serves" not in words, words
    assert "sf-api is not running (the run ended while it was restarting it)" in words
    assert "'ffwizard resume': it starts sf-api on the new shards" in words

    resumed = ffwizard("resume", "--root", str(root), "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert SimRuntime(root).services()["findface-sf-api"].state == "running"
    done = ffwizard("rollback", "--root", str(root))
    assert done.returncode == 2 and "finished" in done.stderr
