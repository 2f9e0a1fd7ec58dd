"""Benchmark: the simulated migration tool (`sf-api-migrate`) on a sandbox of 100,000 objects.

Prints the tool's objects/s (vendor defaults: 3 workers, pages of 1000, extraction batches of 8)
and, as a baseline measured in the same run on the same shards, the raw speed of listing the
same objects page by page without fetching images, extracting or adding; then the ratio.

    .venv/bin/python bench/bench_migrate_tool.py [--objects 100000] [--shards 8]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from ffwizard.demo import catalog, scenario
from ffwizard.demo.httpkit import Client
from ffwizard.demo.sandbox import open_sandbox
from ffwizard.runtime.sim import prepare_demo, stop_demo


def list_everything(urls: list[str], page: int) -> int:
    seen = 0
    for url in urls:
        client = Client(url)
        for g in client.json("GET", "/galleries")["galleries"]:
            after = None
            while True:
                query = f"/galleries/{g['name']}/objects?limit={page}" + (f"&after={after}" if after else "")
                answer = client.json("GET", query)
                seen += len(answer["objects"])
                after = answer["next"]
                if after is None:
                    break
        client.close()
    return seen


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ffwizard-bench-") as tmp:
        t0 = time.perf_counter()
        demo = prepare_demo(Path(tmp) / "sandbox", shards=args.shards, objects=args.objects)
        built = time.perf_counter() - t0
        try:
            box, runtime = open_sandbox(demo.root), demo.runtime
            source = [box.shard_url(i) for i in range(box.shards)]
            target = scenario.add_new_shards(box)
            runtime.compose_up()
            for object_type, names in catalog.EMBEDDING_MODELS.items():
                scenario.set_extraction_model(box, object_type, catalog.model_file(object_type, names[-1], box.device))
            runtime.restart("findface-extraction-api")
            config = scenario.write_file(box.root / "migration.yaml", scenario.migration_yaml(box, source, target))
            runtime.copy_in("findface-sf-api", config, "/")

            t0 = time.perf_counter()
            listed = list_everything(source, 1000)
            list_seconds = time.perf_counter() - t0

            t0 = time.perf_counter()
            result = runtime.exec("findface-sf-api", ["./sf-api-migrate", "-config", "migration.yaml"])
            migrate_seconds = time.perf_counter() - t0
            if result.exit_code != 0:
                print(result.output, file=sys.stderr)
                return 1
            copied = int(re.search(r"migration finished: (\d+) objects", result.output).group(1))
            new_total = sum(sum(g["count"] for g in Client(u).json("GET", "/galleries")["galleries"]) for u in target)
        finally:
            stop_demo(demo.root, release_ports=True)
    migrate_rate, list_rate = copied / migrate_seconds, listed / list_seconds
    print(f"sandbox: {args.objects} objects on {args.shards} shards, built and started in {built:.1f}s")
    print(f"{'what':44} {'objects':>8} {'seconds':>8} {'objects/s':>10}")
    print(f"{'baseline: list every object (pages of 1000)':44} {listed:>8} {list_seconds:>8.2f} {list_rate:>10.0f}")
    print(f"{'sf-api-migrate (3 workers, batch 8)':44} {copied:>8} {migrate_seconds:>8.2f} {migrate_rate:>10.0f}")
    print(f"ratio migrate/list: {migrate_rate / list_rate:.2f}; objects in the new shards: {new_total}")
    return 0 if new_total == args.objects == copied else 1


if __name__ == "__main__":
    sys.exit(main())
