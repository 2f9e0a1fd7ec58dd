"""Benchmark: what the executor's safety costs.

1. Journal: events/s when every event is fsynced (as the executor writes them) against plain
   buffered appends of the same lines (baseline), in the same directory.
2. Progress poll: one migration progress sample (GET /stat/list/1/99 on every shard, summed)
   with the runtime's shared HTTP client, against the same sample with a new client per request
   (baseline: how ffwizard polled before) and one GET /v2/status of one shard.
3. A whole `ffwizard apply --yes` on a simulated installation: wall time, the migration tool's
   own time, and the rest (backups, journal, restarts, checks) as a share of the whole.

    .venv/bin/python bench/bench_executor.py [--shards 8] [--objects 4000] [--events 300]
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


def bench_apply(root: Path, answers: Path) -> dict:
    env = {**os.environ, "FFWIZARD_POLL_INTERVAL": "0.5"}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "ffwizard", "apply", "--root", str(root),
                             "--answers", str(answers), "--runtime", "sim", "--yes"],
                            env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(result.stdout + result.stderr)
    run = next((root / ".ffwizard" / "runs").iterdir())
    durations = {}
    for line in (run / "journal.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event["event"] == "step_done":
            durations[event["step"]] = event["seconds"]
        if event["event"] == "step_data" and "seconds" in event.get("data", {}):
            tool = event["data"]["seconds"]
    return {"wall": wall, "tool": tool, "steps": durations}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--objects", type=int, default=4000)
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    from ffwizard.runtime.sim import prepare_demo, stop_demo

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fsynced, plain = bench_journal(tmp, args.events)
        print(f"journal, fsync per event : {fsynced:9.0f} events/s  ({plain / fsynced:.0f}x slower "
              f"than buffered appends: {plain:.0f} events/s, the baseline)")
        root = prepare_demo(tmp / "install", shards=args.shards, objects=args.objects).root
        try:
            poll, fresh, single = bench_poll(root)
            print(f"progress poll, {args.shards} shards : {poll * 1000:7.1f} ms  ({fresh / poll:.1f}x faster "
                  f"than a new client per request: {fresh * 1000:.1f} ms, the baseline; "
                  f"one /v2/status GET: {single * 1000:.1f} ms)")
            answers = tmp / "answers.json"
            answers.write_text(json.dumps({"models": {
                "face": "face/nectarine_m_160.gpu.fnk", "body": "pedrec/wheat_m_256.gpu.fnk",
                "car": "carrec/cedar_m_224.gpu.fnk"}}))
            result = bench_apply(root, answers)
        finally:
            stop_demo(root, release_ports=True)
    rest = result["wall"] - result["tool"]
    print(f"apply --yes, {args.shards} shards, {args.objects} objects: {result['wall']:.1f} s wall; "
          f"migration tool {result['tool']:.1f} s ({args.objects / result['tool']:.0f} objects/s); "
          f"everything else {rest:.1f} s ({rest / result['wall']:.0%})")
    slowest = sorted(result["steps"].items(), key=lambda kv: -kv[1])[:4]
    print("slowest steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in slowest))


if __name__ == "__main__":
    main()
