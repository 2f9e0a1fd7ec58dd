"""DockerRuntime against the docker CLI doing the same thing, on a real engine.

`.venv/bin/python bench/bench_docker_runtime.py` (an engine must answer: scripts/docker-engine.sh
start). Starts a small compose project from the test image, then measures, median of N runs:
finding a service's state by labels vs `docker ps --filter label=…`; exec of `true` vs
`docker exec`; copying a 20 MB dump directory out vs `docker cp`; restart vs `docker restart`.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "docker"))

import docker  # noqa: E402
import dockertest_images as images  # noqa: E402
from dockertest_engine import remove_project  # noqa: E402
from dockertest_project import IMAGES, small_project  # noqa: E402

from ffwizard.runtime.docker import DockerRuntime  # noqa: E402

SF_API = "findface-sf-api"
SHARD = "findface-tarantool-server-shard-002"


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def cli(*argv: str) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    engine = docker.from_env()
    app = images.ensure_findface_images(engine)
    images.tag(engine, app, list(IMAGES))
    project = "ffwbench"
    workdir = Path(tempfile.mkdtemp(prefix="ffwbench-"))
    try:
        setup = small_project(workdir / "install", [1, 2])
        runtime = DockerRuntime(setup.root, project, setup.compose_file, compose_command=["docker", "compose"])
        assert runtime.compose_up().exit_code == 0
        container = runtime.container_name(SF_API)
        runtime.exec(SF_API, ["sh", "-c", "mkdir -p /dump && head -c 20000000 /dev/urandom > /dump/shard.jsonl"])

        def copy_out():
            target = workdir / "out"
            shutil.rmtree(target, ignore_errors=True)
            runtime.copy_out(SF_API, "/dump", target)

        def docker_cp():
            target = workdir / "cp"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            cli("docker", "cp", f"{container}:/dump", str(target))

        rows = [
            ("service state by labels", median_ms(lambda: runtime.services()[SHARD], 15),
             median_ms(lambda: cli("docker", "ps", "-a", "--filter",
                                   f"label=com.docker.compose.project={project}"), 15)),
            ("exec `true`", median_ms(lambda: runtime.exec(SF_API, ["true"]), 15),
             median_ms(lambda: cli("docker", "exec", container, "true"), 15)),
            ("copy out a 20 MB dump", median_ms(copy_out, 7), median_ms(docker_cp, 7)),
            ("restart a shard", median_ms(lambda: runtime.restart(SHARD), 3),
             median_ms(lambda: cli("docker", "restart", runtime.container_name(SHARD)), 3)),
        ]
    finally:
        remove_project(engine, project)
        shutil.rmtree(workdir, ignore_errors=True)

    print("| operation (median) | DockerRuntime | docker CLI (baseline) | ratio |")
    print("|---|---|---|---|")
    for name, ours, baseline in rows:
        print(f"| {name} | {ours:.0f} ms | {baseline:.0f} ms | {ours / baseline:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
