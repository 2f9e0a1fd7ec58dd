"""Shapes of real sites on a real engine (issue #13).

- Shards on container addresses sharing one port, each with a replica: every shard and replica
  listens on 8001 of its own container on the project's bridge network, sf-api names them by
  service (`http://findface-tarantool-server-shard-001:8001/v2/`), no shard publishes a host
  port; only sf-api's port is published. ffwizard must reach every shard where it is (the
  containers' addresses from the Engine API) and `apply` must migrate it end to end.
- A compose project named otherwise than its directory and by no file: found from the
  containers' labels, never guessed (a guessed `-p` would start a second copy of the stack).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dockertest_images as images
import pytest
import yaml
from dockertest_install import DockerInstall, start_install, wait_ready

from ffwizard.demo import sandbox as sandbox_mod
from ffwizard.demo.shapes import shape_named
from ffwizard.runtime.docker import DockerRuntime

pytestmark = [pytest.mark.docker, pytest.mark.slow]

NEW_MODELS = {"face": "face/nectarine_m_160.cpu.fnk", "body": "pedrec/wheat_m_256.cpu.fnk",
              "car": "carrec/cedar_m_224.cpu.fnk"}
SF_API_CONFIG = "configs/findface-sf-api/findface-sf-api.yaml"


def write_answers(path: Path) -> Path:
    path.write_text("models:\n" + "".join(f"  {t}: {m}\n" for t, m in NEW_MODELS.items()))
    return path


def run_ffwizard(*args: str, timeout: float = 300) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "ffwizard", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                          timeout=timeout)
    return done.returncode, done.stdout


def on_the_bridge(sandbox) -> None:
    """Every service on the project's own bridge network, reaching the others by service name;
    only sf-api published on the host's loopback (what the wizard talks to on such sites)."""
    p, root = sandbox.ports, sandbox.root

    def edit(rel: str, *pairs: tuple[str, str]) -> None:
        path = root / rel
        text = path.read_text()
        for old, new in pairs:
            assert old in text, (rel, old)
            text = text.replace(old, new)
        path.write_text(text)

    edit(sandbox_mod.COMPOSE_FILE,
         ("logging: {driver: journald}", "logging: {driver: json-file}"),
         ("    network_mode: service:pause\n", ""), ("    network_mode: bridge\n", ""),
         (f"UPLOAD_LISTEN: '127.0.0.1:{p.upload}'", f"UPLOAD_LISTEN: '0.0.0.0:{p.upload}'"),
         ("  findface-sf-api:\n",
          f"  findface-sf-api:\n    ports: ['127.0.0.1:{p.sf_api}:{p.sf_api}']\n"))
    edit(SF_API_CONFIG, (f"listen: 127.0.0.1:{p.sf_api}", f"listen: 0.0.0.0:{p.sf_api}"),
         (f"http://127.0.0.1:{p.extraction_api}", f"http://findface-extraction-api:{p.extraction_api}"),
         (f"http://127.0.0.1:{p.upload}/", f"http://findface-upload:{p.upload}/"))
    edit(sandbox_mod.EXTRACTION_CONFIG,
         (f"listen: 127.0.0.1:{p.extraction_api}", f"listen: 0.0.0.0:{p.extraction_api}"))
    edit("configs/findface-multi-legacy/findface-multi-legacy.py",
         (f"http://127.0.0.1:{p.sf_api}", f"http://findface-sf-api:{p.sf_api}"),
         (f"http://127.0.0.1:{p.extraction_api}", f"http://findface-extraction-api:{p.extraction_api}"))
    yaml.safe_load((root / sandbox_mod.COMPOSE_FILE).read_text())


def objects(runtime: DockerRuntime, url: str) -> int:
    answer = runtime.http_get(url.rstrip("/") + "/status")
    assert answer.status == 200, (url, answer)
    return json.loads(answer.body)["objects"]


def test_one_port_on_container_addresses_with_replicas(engine, findface_image, tmp_path,
                                                       project_name):
    root = tmp_path / "srv" / "ff"
    sandbox = sandbox_mod.build_sandbox(root, shards=3, objects=600, device="cpu",
                                        shape=shape_named("one-port-replicas"))
    on_the_bridge(sandbox)
    (root / ".env").write_text(f"COMPOSE_PROJECT_NAME={project_name}\n")
    images.tag_compose_images(engine, findface_image, sandbox.compose_file)
    runtime = DockerRuntime(root, project_name, sandbox.compose_file)
    started = runtime.compose_up()
    assert started.exit_code == 0, started.output
    install = DockerInstall(root=root, project=project_name, sandbox=sandbox, runtime=runtime)
    wait_ready(install)
    # Nothing of the shards is on the host: no published port, a name the host cannot resolve.
    shard_containers = [c for c in engine.containers.list(
        filters={"label": f"com.docker.compose.project={project_name}"})
        if "tarantool" in c.labels["com.docker.compose.service"]]
    assert len(shard_containers) == 6 and not any(c.ports for c in shard_containers)

    code, output = run_ffwizard("apply", "--root", str(root), "--runtime", "docker", "--yes",
                                "--answers", str(write_answers(tmp_path / "answers.yaml")))

    assert code == 0, output
    assert "Traceback" not in output
    shards = yaml.safe_load((root / SF_API_CONFIG).read_text())["storage-api"]["shards"]
    masters = [f"http://findface-tarantool-server-shard-{n:03d}:8001/v2/" for n in (11, 12, 13)]
    assert [e["master"] for e in shards] == masters
    assert [e["slave"] for e in shards] == [m.replace(":8001", "-replica:8001") for m in masters]
    states = runtime.services()
    for n in (1, 2, 3):
        assert f"findface-tarantool-server-shard-{n:03d}" not in states
        assert f"findface-tarantool-server-shard-{n:03d}-replica" not in states
        assert states[f"findface-tarantool-server-shard-{n + 10:03d}-replica"].state == "running"
    checker = DockerRuntime(root, project_name, sandbox.compose_file)
    assert sum(objects(checker, url) for url in masters) == 600
    for entry in shards:  # each new replica follows its own new shard
        assert objects(checker, entry["slave"]) == objects(checker, entry["master"])
    assert install.sf_api_galleries() == install.expected_counts()


def test_project_found_from_the_labels_not_the_directory(engine, findface_image, tmp_path,
                                                         project_name):
    root = tmp_path / "media" / "STORAGE" / "ff-site"
    install = start_install(engine, findface_image, root, project_name, ["docker", "compose"],
                            shards=2, objects=300)
    (root / ".env").write_text("# the site started it once with -p; no file names it\n")

    code, output = run_ffwizard("plan", "--root", str(root), "--runtime", "docker", "--json")
    assert code == 0, output
    assert json.loads(output)["installation"]["project"] == project_name

    code, output = run_ffwizard("apply", "--root", str(root), "--runtime", "docker", "--yes",
                                "--answers", str(write_answers(tmp_path / "answers.yaml")))
    assert code == 0, output
    plan = json.loads(next((root / ".ffwizard" / "runs").glob("*/plan.json")).read_text())
    assert plan["summary"]["installation"]["project"] == project_name
    projects = {argv[argv.index("-p") + 1] for step in plan["steps"]
                for argv in step["commands"] if "-p" in argv and "-f" in argv}
    assert projects == {project_name}  # every compose command names the labelled project
    # One stack: nothing was started under the directory's name.
    assert not engine.containers.list(all=True, filters={"label": "com.docker.compose.project=ff-site"})
    states = install.runtime.services()
    assert states["findface-tarantool-server-shard-011"].state == "running"
    assert install.sf_api_galleries() == install.expected_counts()

    # Files naming another project than the labels: refused in one sentence, nothing changed.
    (root / ".env").write_text("COMPOSE_PROJECT_NAME=findface-multi\n")
    code, output = run_ffwizard("plan", "--root", str(root), "--runtime", "docker")
    assert code == 2 and f"belong to the compose project '{project_name}'" in output
