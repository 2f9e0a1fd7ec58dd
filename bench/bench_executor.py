"""Benchmark: what the executor's safety costs.

1. Journal: events/s when every event is fsynced (as the executor writes them) against plain
   buffered appends of the same lines (baseline), in the same directory.
2. Progress poll: one migration progress sample (GET /stat/list/1/99 on every shard, summed)
   with the runtime's shared HTTP client, against the same sample with a new client per request
   (baseline: how ffwizard polled before) and one GET /v2/status of one shard.
3. A whole `ffwizard apply --yes` (its own process, shipped settings: the 2 s poll) against the
   migration tool run alone in its own process on an identical sandbox, at each size. The
   baseline's sandbox is built the same way and brought by ffwizard itself to the moment the
   tool starts (the run killed there), so the tool reads the same shards with the same
   migration.yaml; then the tool's command line (what ffwizard runs detached) is timed from
   its start to its exit. Second baseline, on a third identical sandbox: the same operations
   on the site (the dump, the restarts, compose up of the new shards and down of the old, the
   tool, the clusters command) done by a plain script (bench/plain_site_script.py, timed from
   its first operation); apply minus that is ffwizard's own overhead. The pairs rotate which
   goes first. As the tool's own time varies by seconds between runs, "ffwizard own" nets it
   out of each run (apply's from its journal: the wrapper's start to the tool's exit status;
   the script's from its migration step): median(apply - its tool) - median(script - its tool).

    .venv/bin/python bench/bench_executor.py [--shards 8] [--objects 4000,40000,200000]
                                              [--pairs 1] [--events 300] [--no-micro]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bytecode import compile_ffwizard  # noqa: E402


def bench_journal(directory: Path, events: int) -> tuple[float, float]:
    from ffwizard.core.journal import Journal

    journal = Journal(directory)
    start = time.perf_counter()
    for n in range(events):
        journal.append("step_point", step="run_migration", point=f"p{n}")
    fsynced = events / (time.perf_counter() - start)
    line = (json.dumps({"t": "2026-01-01T00:00:00.000000Z", "event": "step_point",
                        "point": "p0", "step": "run_migration"}) + "\n").encode()
    start = time.perf_counter()
    with open(directory / "plain.jsonl", "ab") as handle:
        for _ in range(events):
            handle.write(line)
    plain = events / (time.perf_counter() - start)
    return fsynced, plain


def bench_poll(root: Path, repeat: int = 21) -> tuple[float, float, float]:
    """Medians: a poll with the shared client, a poll with a new client per request, one GET."""
    import httpx

    from ffwizard.core.detect import detect
    from ffwizard.core.plan import shard_url
    from ffwizard.core.progress import gallery_counts
    from ffwizard.runtime.base import HttpAnswer
    from ffwizard.runtime.sim import SimRuntime

    class NewClientPerRequest(SimRuntime):
        def http_get(self, url: str, timeout: float = 5.0) -> HttpAnswer:
            response = httpx.get(url, timeout=timeout)
            return HttpAnswer(status=response.status_code, body=response.content)

    inst = detect(root)
    runtime, baseline = SimRuntime(root), NewClientPerRequest(root)
    urls = [shard_url(s) for s in inst.shards]
    polls, fresh, singles = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        gallery_counts(runtime, urls)
        polls.append(time.perf_counter() - start)
        start = time.perf_counter()
        gallery_counts(baseline, urls)
        fresh.append(time.perf_counter() - start)
        start = time.perf_counter()
        runtime.http_get(urls[0] + "v2/status")
        singles.append(time.perf_counter() - start)
    return statistics.median(polls), statistics.median(fresh), statistics.median(singles)


ANSWERS = {"models": {"face": "face/nectarine_m_160.gpu.fnk", "body": "pedrec/wheat_m_256.gpu.fnk",
                      "car": "carrec/cedar_m_224.gpu.fnk"}}


def shipped_env() -> dict[str, str]:
    """The environment without any of ffwizard's own knobs: the settings users get."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FFWIZARD_")}


def apply_argv(root: Path, answers: Path) -> list[str]:
    return [sys.executable, "-m", "ffwizard", "apply", "--root", str(root), "--answers",
            str(answers), "--runtime", "sim", "--yes"]


def journal_steps(root: Path) -> dict[str, float]:
    runs = root / ".ffwizard" / "runs"
    run = max(runs.iterdir(), key=lambda p: p.stat().st_mtime)
    steps = {}
    for line in (run / "journal.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event["event"] == "step_done":
            steps[event["step"]] = event["seconds"]
        elif event["event"] == "step_data" and "seconds" in event.get("data", {}):
            # The tool's own time in the run: from its wrapper's start to its exit status.
            steps["the tool itself"] = event["data"]["seconds"]
    return steps


def refused(root: Path, result: subprocess.CompletedProcess) -> SystemExit:
    """The run's words, and what the sandbox's services said last (why one is not running)."""
    logs = [f"{log.name}: {log.read_text().splitlines()[-1]}"
            for log in sorted((root / ".sim" / "logs").glob("*.log")) if log.read_text().strip()]
    return SystemExit(result.stdout + result.stderr + "\n".join(logs))


def time_apply(root: Path, answers: Path) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    result = subprocess.run(apply_argv(root, answers), env=shipped_env(), capture_output=True,
                            text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise refused(root, result)
    return wall, journal_steps(root)


def time_tool_alone(root: Path, answers: Path, log: Path) -> float:
    """The migration tool alone: the sandbox brought to the tool's start by ffwizard (killed
    there), then the tool's own command line timed in its own process."""
    from ffwizard.core.detect import detect
    from ffwizard.core.steps.run_migration import MIGRATE_ARGV
    from ffwizard.runtime.sim import SimRuntime

    env = {**shipped_env(), "FFWIZARD_TEST_KILL_AT": "run_migration:started"}
    killed = subprocess.run(apply_argv(root, answers), env=env, capture_output=True, text=True)
    if killed.returncode != -9:
        raise refused(root, killed)
    installation = detect(root)
    argv = SimRuntime(root).detached_host_argv(installation.sf_api_service, list(MIGRATE_ARGV),
                                               workdir="/")
    with open(log, "ab") as output:
        start = time.perf_counter()
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=output,
                              stderr=subprocess.STDOUT)
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(log.read_text()[-2000:])
    return seconds


def time_site_script(root: Path, answers: Path, log: Path) -> tuple[float, dict[str, float]]:
    """The site's operations and the tool by a plain script, in its own process (its seconds
    from its first operation: bench/plain_site_script.py)."""
    script = Path(__file__).resolve().parent / "plain_site_script.py"
    done = subprocess.run([sys.executable, str(script), str(root), str(answers), str(log)],
                          env=shipped_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise refused(root, done)
    result = json.loads(done.stdout.splitlines()[-1])
    return float(result["seconds"]), result["steps"]


def running_sandbox(tmp: Path, prefix: str, shards: int, objects: int) -> Path:
    """A sandbox whose every service runs. On a shared machine another user's processes may
    hold some of its ports: that one is stopped (its ports kept claimed) and another built."""
    from ffwizard.demo import procs
    from ffwizard.runtime.sim import prepare_demo, stop_demo

    for _attempt in range(5):
        root = prepare_demo(Path(tempfile.mkdtemp(prefix=prefix, dir=tmp)), shards=shards,
                            objects=objects).root
        if all(procs.is_running(r) for r in procs.all_records(root).values()):
            return root
        stop_demo(root, release_ports=False)
    raise SystemExit("no sandbox could start every service (ports taken by other processes)")


def bench_apply(tmp: Path, shards: int, objects: int, pairs: int) -> dict:
    from ffwizard.runtime.sim import stop_demo

    answers = tmp / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    walls, tools, sites, steps, site_steps = [], [], [], [], []
    kinds = ("apply", "tool", "site")
    for pair in range(pairs):
        order = kinds[pair % 3:] + kinds[:pair % 3]
        for what in order:
            root = running_sandbox(tmp, f"{what}-{objects}-", shards, objects)
            try:
                if what == "apply":
                    wall, step_times = time_apply(root, answers)
                    walls.append(wall)
                    steps.append(step_times)
                elif what == "tool":
                    tools.append(time_tool_alone(root, answers, tmp / f"tool-{objects}.log"))
                else:
                    seconds, by_step = time_site_script(root, answers, tmp / f"site-{objects}.log")
                    sites.append(seconds)
                    site_steps.append(by_step)
            finally:
                stop_demo(root, release_ports=True)
    median = len(walls) // 2
    by_wall = sorted(range(len(walls)), key=walls.__getitem__)
    by_site = sorted(range(len(sites)), key=sites.__getitem__)
    # The tool's time varies by seconds from run to run (more than ffwizard's whole overhead):
    # netted out of each run by its own measure (apply: from its journal; the script: its step).
    apply_besides = [w - s.get("the tool itself", 0.0) for w, s in zip(walls, steps)]
    site_besides = [t - s.get("run_migration", 0.0) for t, s in zip(sites, site_steps)]
    return {"wall": statistics.median(walls), "tool": statistics.median(tools),
            "site": statistics.median(sites), "steps": steps[by_wall[median]], "walls": walls,
            "tools": tools, "sites": sites, "site_steps": site_steps[by_site[len(sites) // 2]],
            "own": statistics.median(apply_besides) - statistics.median(site_besides),
            "apply_besides": apply_besides, "site_besides": site_besides}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--objects", default="4000,40000,200000",
                        help="comma-separated sizes of the apply measurement")
    parser.add_argument("--pairs", type=int, default=1, help="apply/tool pairs per size")
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--no-micro", action="store_true", help="skip the journal and poll parts")
    args = parser.parse_args()
    compile_ffwizard()  # as users run it (see bench/bytecode.py)
    from ffwizard.runtime.sim import stop_demo

    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.no_micro:
            fsynced, plain = bench_journal(tmp, args.events)
            print(f"journal, fsync per event : {fsynced:9.0f} events/s  ({plain / fsynced:.0f}x "
                  f"slower than buffered appends: {plain:.0f} events/s, the baseline)")
            root = running_sandbox(tmp, "poll-", args.shards, 4000)
            try:
                poll, fresh, single = bench_poll(root)
            finally:
                stop_demo(root, release_ports=True)
            print(f"progress poll, {args.shards} shards : {poll * 1000:7.1f} ms  ({fresh / poll:.1f}x "
                  f"faster than a new client per request: {fresh * 1000:.1f} ms, the baseline; "
                  f"one /v2/status GET: {single * 1000:.1f} ms)")
        print(f"apply --yes (shipped settings) against the migration tool alone, {args.shards} "
              f"shards, median of {args.pairs}:")
        print(f"{'objects':>8} {'apply':>8} {'tool alone':>11} {'ratio':>6} {'overhead':>9} "
              f"{'site script':>12} {'apply-script':>13} {'ffwizard own':>13}  "
              f"slowest steps besides the migration")
        for objects in (int(n) for n in args.objects.split(",")):
            result = bench_apply(tmp, args.shards, objects, args.pairs)
            wall, tool, site = result["wall"], result["tool"], result["site"]
            others = sorted(((k, v) for k, v in result["steps"].items()
                             if k not in ("run_migration", "the tool itself")),
                            key=lambda kv: -kv[1])[:3]
            print(f"{objects:>8} {wall:>7.2f}s {tool:>10.2f}s {wall / tool:>5.2f}x "
                  f"{wall - tool:>8.2f}s {site:>11.2f}s {wall - site:>12.2f}s "
                  f"{result['own']:>12.2f}s  "
                  + ", ".join(f"{k} {v:.2f}s" for k, v in others)
                  + f"; run_migration {result['steps'].get('run_migration', 0):.2f}s", flush=True)
            print(f"{'':>8} each: apply {' '.join(f'{w:.2f}' for w in result['walls'])}, tool "
                  f"{' '.join(f'{t:.2f}' for t in result['tools'])}, site script "
                  f"{' '.join(f'{t:.2f}' for t in result['sites'])}; besides their tool: apply "
                  f"{' '.join(f'{t:.2f}' for t in result['apply_besides'])}, site script "
                  f"{' '.join(f'{t:.2f}' for t in result['site_besides'])}", flush=True)
            print(f"{'':>8} steps (apply / site script): " + ", ".join(
                f"{k} {v:.3f}/{result['site_steps'].get(k, 0):.3f}"
                for k, v in result["steps"].items()), flush=True)
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
