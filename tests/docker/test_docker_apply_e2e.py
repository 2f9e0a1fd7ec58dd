"""`ffwizard apply --runtime docker` on a FindFace-shaped installation on a real engine.

8 shards, 3000 objects in ten galleries, the project named otherwise than `findface-multi`, the
install root elsewhere than /opt/findface-multi; run through the real command line.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dockertest_install import (
    data_dir_counts,
    describe,
    shard_galleries,
    start_install,
    tree_digest,
)

pytestmark = [pytest.mark.docker, pytest.mark.slow]

COMPOSE_V2 = ["docker", "compose"]
COMPOSE_V1 = ["docker-compose"]
NEW_MODELS = {"face": "face/nectarine_m_160.cpu.fnk", "body": "pedrec/wheat_m_256.cpu.fnk",
              "car": "carrec/cedar_m_224.cpu.fnk"}
EXTRACTION_CONFIG = "configs/findface-extraction-api/findface-extraction-api.yaml"
OLD_SHARDS = [f"findface-tarantool-server-shard-{i:03d}" for i in range(1, 9)]
NEW_SHARDS = [f"findface-tarantool-server-shard-{i:03d}" for i in range(11, 19)]


def write_answers(path: Path) -> Path:
    lines = ["models:"] + [f"  {t}: {m}" for t, m in NEW_MODELS.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def ffwizard(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ffwizard", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, **popen)


def run_ffwizard(*args: str, timeout: float = 240) -> tuple[int, str]:
    process = ffwizard(*args)
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def install_root(tmp_path: Path) -> Path:
    return tmp_path / "media" / "STORAGE" / "ff-site"


def snapshot_old_data(install) -> dict[str, tuple[dict, str]]:
    return {d.name: (data_dir_counts(d), tree_digest(d)) for d in install.old_shard_dirs()}


def assert_migrated(install, old_data_before: dict) -> None:
    expected = install.expected_counts()
    states = install.runtime.services()
    # The old shard containers are gone, the new ones run.
    assert not set(OLD_SHARDS) & set(states)
    assert all(states[s].state == "running" for s in NEW_SHARDS)
    # Every gallery's objects are in the new shards, with the new model, none lost or doubled.
    new_urls = install.sf_api_shards()
    assert len(new_urls) == 8 and not set(new_urls) & {install.sandbox.shard_url(i) for i in range(8)}
    per_gallery: dict[str, int] = {}
    for url in new_urls:
        for gallery in shard_galleries(url):
            per_gallery[gallery["name"]] = per_gallery.get(gallery["name"], 0) + gallery["count"]
            kind = gallery["name"].split("_")[1]
            assert gallery["model"] == NEW_MODELS["face" if kind == "user" else kind], gallery
    assert per_gallery == expected
    # sf-api, restarted, serves from the new shards.
    assert install.sf_api_galleries() == expected
    # The old shard data directories are still there, with every object under the old model.
    for directory in install.old_shard_dirs():
        counts, digest = old_data_before[directory.name]
        assert data_dir_counts(directory) == counts
        assert tree_digest(directory) == digest, f"{directory} changed"


@pytest.mark.parametrize("compose", [COMPOSE_V2, COMPOSE_V1], ids=["compose-v2", "compose-v1"])
def test_apply_migrates_every_gallery_to_new_shards(engine, findface_image, tmp_path, project_name, compose):
    install = start_install(engine, findface_image, install_root(tmp_path), project_name, compose)
    # The runtime ffwizard opens uses the compose that made the containers.
    assert install.runtime.compose_command == compose
    old_data = snapshot_old_data(install)

    code, output = run_ffwizard("apply", "--root", str(install.root), "--answers",
                                str(write_answers(tmp_path / "answers.yaml")), "--runtime", "docker", "--yes")

    assert code == 0, output
    assert "Traceback" not in output
    assert_migrated(install, old_data)
    # The new shards were started by the same compose (its container names).
    separator = "-" if compose == COMPOSE_V2 else "_"
    states = install.runtime.services()
    assert states[NEW_SHARDS[0]].container == separator.join([project_name, NEW_SHARDS[0], "1"])
    # The backup was copied out of the sf-api container onto the host.
    assert any((install.root / "backups").rglob("*.jsonl"))
    # The plan kept with the run shows the commands and container names of that compose.
    plan_json = next((install.root / ".ffwizard" / "runs").glob("*/plan.json")).read_text()
    sf_api_container = separator.join([project_name, "findface-sf-api", "1"])
    assert f'"{sf_api_container}' in plan_json
    assert ('"docker-compose"' in plan_json) == (compose == COMPOSE_V1)


def migration_processes(engine, install) -> list[str]:
    container = engine.containers.get(install.runtime.container_name("findface-sf-api"))
    return [" ".join(p) for p in container.top(ps_args="-eo pid,args")["Processes"]
            # the migration itself, not preflight asking the tool for its -help
            if "migrate_tool" in " ".join(p) and "migration.yaml" in " ".join(p)]


def wait_for_migration(engine, install, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not migration_processes(engine, install):
        assert time.monotonic() < deadline, "the migration never started"
        time.sleep(0.2)


def copied_so_far(install) -> int:
    """Objects copied as the tool's last progress line in the run's log says (0 before one)."""
    try:
        text = (install.root / ".ffwizard" / "run" / "migration.log").read_text(errors="replace")
    except OSError:
        return 0
    counts = re.findall(r"progress: ([\d,]+)/", text)
    return int(counts[-1].replace(",", "")) if counts else 0


def test_killed_ffwizard_leaves_the_migration_running_and_resume_finishes_it(
        engine, findface_image, tmp_path, project_name):
    install = start_install(engine, findface_image, install_root(tmp_path), project_name, COMPOSE_V2,
                            extraction_env={"FFSIM_EXTRACTION_DELAY_MS": "100"})
    old_data = snapshot_old_data(install)
    apply = ffwizard("apply", "--root", str(install.root), "--answers",
                     str(write_answers(tmp_path / "answers.yaml")), "--runtime", "docker", "--yes")
    try:
        wait_for_migration(engine, install)
    finally:
        apply.kill()  # SIGKILL: no clean-up, as when the machine's ffwizard is killed
        apply.communicate()

    # The migration goes on in its container without ffwizard: it copies on after the kill.
    copied_at_kill = copied_so_far(install)
    deadline = time.monotonic() + 120
    while copied_so_far(install) <= copied_at_kill:
        assert time.monotonic() < deadline, "the migration did not go on after ffwizard was killed"
        time.sleep(0.2)
    assert migration_processes(engine, install)

    code, output = run_ffwizard("resume", "--root", str(install.root), "--yes")

    assert code == 0, output
    assert "Traceback" not in output
    # It re-attached to the running tool (progress seen below the total), not a new run.
    seen = [int(n.replace(",", "")) for n in re.findall(r"progress: ([\d,]+)/3,000", output)]
    assert seen and seen[0] < 3000, output
    assert_migrated(install, old_data)


def test_a_shard_stopped_mid_migration_is_reported_plainly_and_rollback_undoes_the_run(
        engine, findface_image, tmp_path, project_name):
    install = start_install(engine, findface_image, install_root(tmp_path), project_name, COMPOSE_V2,
                            extraction_env={"FFSIM_EXTRACTION_DELAY_MS": "40"})
    old_data = snapshot_old_data(install)
    files_before = {"compose": install.compose_file.read_bytes(),
                    "extraction": (install.root / EXTRACTION_CONFIG).read_bytes()}
    apply = ffwizard("apply", "--root", str(install.root), "--answers",
                     str(write_answers(tmp_path / "answers.yaml")), "--runtime", "docker", "--yes")
    try:
        wait_for_migration(engine, install)
        # A new shard goes away under the migration (an operator, the OOM killer).
        engine.containers.get(install.runtime.container_name(NEW_SHARDS[2])).stop(timeout=5)
        output, _ = apply.communicate(timeout=240)
    finally:
        if apply.poll() is None:
            apply.kill()

    assert apply.returncode == 1, output
    assert "Traceback" not in output
    assert "FAILED: the migration tool failed" in output
    assert "Connection refused" in output  # the tool's own words about the shard that went away
    # sf-api was not switched; the old shards still serve everything.
    assert install.sf_api_shards() == [install.sandbox.shard_url(i) for i in range(8)]
    assert install.sf_api_galleries() == install.expected_counts()

    # The way back: rollback removes the new shards' containers and restores every file.
    code, output = run_ffwizard("rollback", "--root", str(install.root))

    assert code == 0, output
    assert install.compose_file.read_bytes() == files_before["compose"]
    assert (install.root / EXTRACTION_CONFIG).read_bytes() == files_before["extraction"]
    states = install.runtime.services()
    assert not set(NEW_SHARDS) & set(states)
    assert all(states[s].state == "running" for s in OLD_SHARDS)
    assert install.sf_api_galleries() == install.expected_counts()
    for directory in install.old_shard_dirs():
        assert data_dir_counts(directory) == old_data[directory.name][0]


VIDEO = ("findface-video-worker-cpu", "findface-video-manager")


def journal_data(root: Path) -> dict:
    from ffwizard.core.journal import find_run

    return find_run(root).state().data


def test_a_paused_video_service_stays_stopped_through_the_window_and_runs_after(
        engine, findface_image, tmp_path, project_name):
    install = start_install(engine, findface_image, install_root(tmp_path), project_name,
                            COMPOSE_V2, shards=2, objects=600)
    # A live site: the video worker adds events from now on (the knob is read at its start).
    text = install.compose_file.read_text()
    install.compose_file.write_text(text.replace("environment: {ROUTER_URL:",
                                                 "environment: {FFSIM_EVENTS_PER_SECOND: '20', ROUTER_URL:", 1))
    assert install.runtime.compose_up().exit_code == 0
    wait_for_events(install)

    answers = write_answers(tmp_path / "answers.yaml")
    code, output = run_ffwizard("apply", "--root", str(install.root), "--answers", str(answers),
                                "--runtime", "docker")
    assert code == 3, output  # stopped before the point of no return: no terminal to ask
    assert "Pause event intake" in output and "Traceback" not in output
    states = install.runtime.services()
    assert {s: states[s].state for s in VIDEO} == {s: "exited" for s in VIDEO}
    data = journal_data(install.root)
    assert data["count_arrivals"]["arrivals"] == {} and data["count_arrivals"]["paused"] is True
    assert data["verify_copy"]["old_counts"] == data["verify_copy"]["new_counts"]
    assert "Event intake was paused: no object arrived in the old shards" in output

    code, output = run_ffwizard("resume", "--root", str(install.root), "--yes")
    assert code == 0, output
    states = install.runtime.services()
    assert {s: states[s].state for s in VIDEO} == {s: "running" for s in VIDEO}, \
        output + describe(install) + "\n".join(
            f"{c.name} {c.attrs['State']}" for c in engine.containers.list(all=True)
            if "video" in c.name and project_name in c.name)
    # Events go on, now into the new shards that sf-api serves.
    assert set(install.sf_api_shards()).isdisjoint(
        install.sandbox.shard_url(i) for i in range(install.sandbox.shards))
    wait_for_events(install)


def wait_for_events(install, timeout: float = 60) -> None:
    """Until sf-api serves more objects than at the first look: the video worker adds events."""
    import httpx

    deadline = time.monotonic() + timeout
    first = None
    while time.monotonic() < deadline:
        try:
            total = sum(install.sf_api_galleries().values())
        except httpx.HTTPError:
            total = None  # sf-api (re)starting
        if total is not None:
            if first is not None and total > first:
                return
            first = total if first is None else first
        time.sleep(0.3)
    raise AssertionError("the video worker added no event within a minute")
