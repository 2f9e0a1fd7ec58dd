"""Benchmark: detection and the full plan on a generated 64-shard installation.

Prints the median of each measurement next to a plain ruamel.yaml load+dump of the same compose
file (and PyYAML's C loader), measured in the same run, with ratios. Targets on a 2-core machine:
detection under 0.1 s, the full plan (every diff computed) under 1 s.

Then the whole `ffwizard plan` command, each run its own process, at 8, 16 and 64 shards, against
a process that does one ruamel.yaml read + write of the same compose file (set up as ffwizard
sets ruamel up), the two run in turn; wall and CPU seconds (user + system of the finished child)
are medians. Target: plan ≤ 1.3x that read + write at every size.

    .venv/bin/python bench/bench_plan.py [--shards 64] [--repeat 7] [--sizes 8,16,64] [--runs 9]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bytecode import compile_ffwizard  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "fixtures"))

import make_installs  # noqa: E402

EXTRA_SERVICE = """\
  findface-video-worker-{n}:
    command: [--config=/etc/findface-video-worker.ini]
    depends_on: [findface-video-manager, findface-ntls]
    environment: {{CFG_MGR_STATIC: '127.0.0.1:18811', CFG_CAPACITY: '10', CUDA_VISIBLE_DEVICES: '{n}'}}
    image: docker.int.ntl/ntech/universe/video-worker-gpu:ffserver-9.230407.1
    logging: {{driver: journald}}
    network_mode: service:pause
    restart: always
    volumes: ['./configs/findface-video-worker/findface-video-worker.yaml:/etc/findface-video-worker.ini:ro']
"""


def make_install(root: Path, shards: int, extra_services: int) -> Path:
    make_installs.flow_install(root, shards)
    compose = root / "docker-compose.yaml"
    with compose.open("a", encoding="utf-8") as handle:
        for n in range(extra_services):
            handle.write(EXTRA_SERVICE.format(n=n))
    return compose


def median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# The baseline process: read the compose file, one ruamel load and dump, write the result.
ROUND_TRIP = """
import io, sys
from ruamel.yaml import YAML
text = open(sys.argv[1], encoding="utf-8").read()
rt = YAML(typ="rt")
rt.preserve_quotes = True
rt.width = 1 << 16
rt.indent(mapping=2, sequence=2, offset=0)
out = io.StringIO()
rt.dump(rt.load(text), out)
open(sys.argv[2], "w", encoding="utf-8").write(out.getvalue())
"""


def run_process(argv: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one process, start to exit; its output thrown away."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode())
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def plan_command_vs_round_trip(tmp: Path, sizes: list[int], extra: int, runs: int) -> None:
    print(f"`ffwizard plan` (its own process) against one ruamel read + write of the compose file "
          f"(its own process), median of {runs}, run in turn:")
    print(f"{'shards':>6} {'plan wall':>10} {'r+w wall':>9} {'ratio':>6} {'plan cpu':>9} "
          f"{'r+w cpu':>8} {'ratio':>6}")
    for shards in sizes:
        root = tmp / f"command-{shards}"
        compose = make_install(root, shards, extra)
        plan_argv = [sys.executable, "-m", "ffwizard", "plan", "--root", str(root)]
        trip_argv = [sys.executable, "-c", ROUND_TRIP, str(compose), str(tmp / "written.yaml")]
        run_process(plan_argv), run_process(trip_argv)  # warm the caches
        plan, trip = [], []
        for _ in range(runs):
            plan.append(run_process(plan_argv))
            trip.append(run_process(trip_argv))
        pw, tw = (statistics.median(x[0] for x in r) for r in (plan, trip))
        pc, tc = (statistics.median(x[1] for x in r) for r in (plan, trip))
        print(f"{shards:>6} {pw * 1000:>8.0f}ms {tw * 1000:>7.0f}ms {pw / tw:>5.2f}x "
              f"{pc * 1000:>7.0f}ms {tc * 1000:>6.0f}ms {pc / tc:>5.2f}x", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=int, default=64)
    parser.add_argument("--extra-services", type=int, default=9)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sizes", default="8,16,64",
                        help="shard counts of the whole-command measurement")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    compile_ffwizard()  # as users run it (see bench/bytecode.py)
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    import yaml
    from ruamel.yaml import YAML

    from ffwizard.core.answers import resolve_answers
    from ffwizard.core.detect import detect
    from ffwizard.core.planner import build_plan

    def plan_installation(root: Path):
        """Detect, resolve the answers and build the plan, as `ffwizard plan` does."""
        installation = detect(root)
        answers, problems = resolve_answers(installation, None, None, source="answers")
        return build_plan(installation, answers, problems=problems)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "findface-multi"
        compose = make_install(root, args.shards, args.extra_services)
        text = compose.read_text()
        services = len(yaml.load(text, Loader=yaml.CSafeLoader)["services"])

        def ruamel_round_trip():
            rt = YAML()
            rt.preserve_quotes = True
            rt.width = 1 << 16
            rt.indent(mapping=2, sequence=2, offset=0)
            out = io.StringIO()
            rt.dump(rt.load(text), out)

        def pyyaml_load():
            yaml.load(text, Loader=yaml.CSafeLoader)

        def detection():
            detect(root)

        def full_plan():
            plan = plan_installation(root)
            for step in plan.steps:
                for change in step.changes:
                    change.diff()
            plan.to_json_dict()

        plan = plan_installation(root)
        assert not plan.blocked, plan.problems
        assert len(plan.new_shards) == args.shards

        # The same installation with the compose file as PyYAML writes it (flow collections
        # wrapped at 80 columns): ruamel cannot write it back, the edits go through text units.
        wrapped = Path(tmp) / "wrapped"
        make_install(wrapped, args.shards, args.extra_services)
        wrapped_compose = wrapped / "docker-compose.yaml"
        wrapped_compose.write_text(yaml.safe_dump(yaml.load(text, Loader=yaml.CSafeLoader),
                                                  default_flow_style=None, sort_keys=False))

        def full_plan_wrapped():
            plan = plan_installation(wrapped)
            for step in plan.steps:
                for change in step.changes:
                    change.diff()

        wrapped_plan = plan_installation(wrapped)
        assert not wrapped_plan.blocked
        added = wrapped_plan.step("add_new_shards").changes[0].diff()
        assert not any(line.startswith("-") and not line.startswith("---")
                       for line in added.splitlines()), "the wrapped compose lost lines"

        results = [
            ("ruamel.yaml load+dump (baseline)", median_time(ruamel_round_trip, args.repeat)),
            ("PyYAML CSafeLoader load", median_time(pyyaml_load, args.repeat)),
            ("detection", median_time(detection, args.repeat)),
            ("full plan, every diff", median_time(full_plan, args.repeat)),
            ("full plan, compose wrapped at 80 cols", median_time(full_plan_wrapped, args.repeat)),
        ]
    baseline = results[0][1]
    print(f"{args.shards} shards, {services} services, compose file {len(text) / 1024:.0f} KB, "
          f"median of {args.repeat}")
    print(f"{'measurement':<40} {'median':>9} {'vs ruamel load+dump':>20}")
    for name, seconds in results:
        print(f"{name:<40} {seconds * 1000:>7.1f}ms {seconds / baseline:>19.2f}x")
    detection_time, plan_time = results[2][1], max(results[3][1], results[4][1])
    print(f"targets: detection < 100 ms: {'met' if detection_time < 0.1 else 'MISSED'}; "
          f"full plan < 1 s: {'met' if plan_time < 1.0 else 'MISSED'}")
    with tempfile.TemporaryDirectory() as tmp:
        plan_command_vs_round_trip(Path(tmp), [int(n) for n in args.sizes.split(",")],
                                   args.extra_services, args.runs)
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
