"""A FindFace-shaped installation running on the real engine, for the end-to-end tests.

The tree is the demo's sandbox (ffwizard.demo.sandbox: the vendor's compose shape, configs with
comments, shards holding galleries, normalized images), brought up with compose on the engine
from the test images, so every service is a real container running the simulated program.

Two edits make the vendor's file run on the test engine, both in every service the same way
(so the shard services ffwizard copies carry them too): `logging: journald` becomes json-file
(no journald on a CI machine), and `pause` owns the host's network instead of a bridge, so the
host's loopback reaches every service joined to it (`network_mode: service:pause`), as the
wizard expects on a real install.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import dockertest_images as images
import httpx
import yaml

from ffwizard.demo import sandbox as sandbox_mod
from ffwizard.demo.storage import ShardStore
from ffwizard.runtime.docker import DockerRuntime


@dataclass
class DockerInstall:
    root: Path
    project: str
    sandbox: sandbox_mod.Sandbox
    runtime: DockerRuntime

    @property
    def compose_file(self) -> Path:
        return self.root / sandbox_mod.COMPOSE_FILE

    @property
    def sf_api_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox.ports.sf_api}"

    def old_shard_dirs(self) -> list[Path]:
        return [self.root / f"data/findface-tarantool-server/shard-{i + 1:03d}" for i in range(self.sandbox.shards)]

    def sf_api_shards(self) -> list[str]:
        return httpx.get(self.sf_api_url + "/v2/sim/config", timeout=5).json()["shards"]

    def sf_api_galleries(self) -> dict[str, int]:
        answer = httpx.get(self.sf_api_url + "/v2/galleries", timeout=10)
        answer.raise_for_status()
        return {g["name"]: g["count"] for g in answer.json()["galleries"]}

    def expected_counts(self) -> dict[str, int]:
        counts = sandbox_mod.gallery_counts(self.sandbox.types, self.sandbox.objects)
        return {g: n for g, n in counts.items() if n}


def shard_galleries(url: str) -> list[dict]:
    """[{"name", "count", "model"}] of one shard (its /v2/ base URL)."""
    answer = httpx.get(url.rstrip("/") + "/galleries", timeout=10)
    answer.raise_for_status()
    return answer.json()["galleries"]


def data_dir_counts(directory: Path) -> dict[str, tuple[int, str]]:
    """Gallery -> (objects, model) read straight from a shard's data directory."""
    store = ShardStore(directory).load()
    try:
        return {s["name"]: (s["count"], s["model"]) for s in store.stats()}
    finally:
        store.close()


def tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        digest.update(str(path.relative_to(directory)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def dockerize_compose(compose_file: Path, *, extraction_env: dict[str, str] | None = None) -> None:
    text = compose_file.read_text()
    text = text.replace("logging: {driver: journald}", "logging: {driver: json-file}")
    pause = text.index("  pause:\n")
    text = text[:pause] + text[pause:].replace("network_mode: bridge", "network_mode: host", 1)
    if extraction_env:
        env = ", ".join(f"{k}: '{v}'" for k, v in extraction_env.items())
        text = text.replace("  findface-extraction-api:\n", f"  findface-extraction-api:\n    environment: {{{env}}}\n", 1)
    compose_file.write_text(text)
    yaml.safe_load(text)  # still a valid compose file


def start_install(engine, app_image: str, root: Path, project: str, compose: list[str], *,
                  shards: int = 8, objects: int = 3000,
                  extraction_env: dict[str, str] | None = None) -> DockerInstall:
    sandbox = sandbox_mod.build_sandbox(root, shards=shards, objects=objects, device="cpu")
    dockerize_compose(sandbox.compose_file, extraction_env=extraction_env)
    # The project name an operator gave this install (compose reads it from .env).
    (root / ".env").write_text(f"COMPOSE_PROJECT_NAME={project}\n")
    images.tag_compose_images(engine, app_image, sandbox.compose_file)
    runtime = DockerRuntime(root, project, sandbox.compose_file, compose_command=compose)
    result = runtime.compose_up()
    assert result.exit_code == 0, result.output
    install = DockerInstall(root=root, project=project, sandbox=sandbox,
                            runtime=DockerRuntime(root, project, sandbox.compose_file))
    wait_ready(install)
    return install


def wait_ready(install: DockerInstall, timeout: float = 120.0) -> None:
    """Until sf-api answers with every gallery (so every shard answers too)."""
    deadline = time.monotonic() + timeout
    expected = install.expected_counts()
    last = None
    while time.monotonic() < deadline:
        try:
            last = install.sf_api_galleries()
            if last == expected:
                return
        except (httpx.HTTPError, ValueError) as err:
            last = err
        time.sleep(0.3)
    raise AssertionError(f"the installation did not come up: sf-api says {last!r}\n{describe(install)}")


def describe(install: DockerInstall) -> str:
    """Each container's state and last log lines: what a failed start needs to be understood."""
    import docker

    client = docker.from_env()
    lines = []
    for container in client.containers.list(all=True, filters={"label": f"com.docker.compose.project={install.project}"}):
        tail = container.logs(tail=3).decode("utf-8", "replace").strip().replace("\n", " | ")
        lines.append(f"  {container.name}: {container.status}: {tail}")
    return "\n".join(sorted(lines))
