"""The migration's operations on the site done by a plain script: the second baseline of
bench_executor.py's apply measurement.

`ffwizard apply` does more than run the migration tool: the vendor's procedure also dumps the
database, restarts the extraction service on the new model, starts the new shards, stops the
old ones, restarts sf-api on the new shards and migrates the clusters. Those are the site's own
work (on a real installation: container restarts, the dump tool, the clusters command), and so
is the tool. This script does exactly those operations, in the plan's order, through the same
runtime, with nothing of ffwizard's around them: no journal, no preflight, no backups of the
files, no counts, marks or checks, no process of its own to start (it is timed from its first
operation, after its imports and the plan, which it builds untimed to know the file contents
and services). A health wait polls every 20 ms. What `apply` takes beyond this is ffwizard's
own overhead.

    .venv/bin/python bench/plain_site_script.py ROOT ANSWERS.json LOG
    # prints {"seconds": ..., "steps": {step id: seconds}} (the steps as the plan names them)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HEALTH_POLL = 0.02
HEALTH_TIMEOUT = 120.0
CHECKS = ("verify_copy", "count_arrivals", "verify_final")  # ffwizard's own: not site work


def write(step) -> None:
    for change in step.changes:
        change.path.parent.mkdir(parents=True, exist_ok=True)
        change.path.write_text(change.after)


def wait_http(runtime, url: str, *, any_answer: bool = False) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while True:
        answer = runtime.http_get(url, timeout=5)
        if answer.status == 200 or (any_answer and answer.answered):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer: {answer.error or answer.status}")
        time.sleep(HEALTH_POLL)


def services_to_up(runtime, paused: list[str]) -> list[str] | None:
    """What `compose up` names while intake is paused (a bare `up -d` would start it again)."""
    if not paused:
        return None
    import yaml

    services = yaml.safe_load(runtime.compose_file.read_text())["services"]
    return [name for name in services if name not in paused]


def main(root: Path, answers: Path, log: Path) -> tuple[float, dict[str, float]]:
    from ffwizard import session
    from ffwizard.core.answers import load_answers

    opened = session.open_installation(root, "sim")
    runtime = opened.runtime
    plan = session.make_plan(opened.installation, load_answers(answers),
                             session.available_models(opened), source=str(answers))
    session.require_runnable(plan)
    paused: list[str] = []
    start = time.perf_counter()
    steps: dict[str, float] = {}
    for step in plan.steps:
        p = step.params
        began = time.perf_counter()
        if step.id == "backup":
            runtime.exec(p.service, ["mkdir", "-p", p.container_dir])
            runtime.exec(p.service, list(p.dump_argv), workdir=p.container_dir)
            runtime.copy_out(p.service, p.container_dir, Path(p.host_dir))
        elif step.id == "create_shard_dirs":
            for d in p.dirs:
                for sub in p.subdirs:
                    Path(d, sub).mkdir(parents=True, exist_ok=True)
        elif step.id == "pause_event_intake":
            runtime.stop_services(list(p.services))
            paused = list(p.services)
        elif step.id in ("switch_model", "switch_sf_api"):
            write(step)
            runtime.restart(p.service)
            wait_http(runtime, p.health_url, any_answer=step.id == "switch_model")
        elif step.id == "add_new_shards":
            write(step)
            runtime.compose_up(services=services_to_up(runtime, paused))
            for url in p.health_urls:
                wait_http(runtime, url)
        elif step.id == "write_migration_config":
            write(step)
            runtime.copy_in(p.service, Path(p.host_path), p.container_dir)
        elif step.id == "run_migration":
            argv = runtime.detached_host_argv(p.service, list(p.argv), workdir=p.workdir)
            with open(log, "ab") as output:
                done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=output,
                                      stderr=subprocess.STDOUT)
            if done.returncode != 0:
                raise SystemExit(log.read_text()[-2000:])
        elif step.id == "remove_old_shards":
            write(step)
            runtime.compose_up(remove_orphans=True, services=services_to_up(runtime, paused))
        elif step.id == "resume_event_intake":
            runtime.start_services(list(reversed(p.services)))
            paused = []
        elif step.id == "migrate_clusters":
            result = runtime.exec(p.service, list(p.argv))
            if result.exit_code != 0:
                raise SystemExit(result.output[-2000:])
        elif step.id not in CHECKS:
            raise SystemExit(f"the plain script does not know the step {step.id}: add it")
        steps[step.id] = round(time.perf_counter() - began, 3)
    return time.perf_counter() - start, steps


if __name__ == "__main__":
    seconds, steps = main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
    print(json.dumps({"seconds": seconds, "steps": steps}))
