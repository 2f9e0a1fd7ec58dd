"""The compose command is asked its version and given only the flags it knows: `--no-ansi` for
docker-compose v1 before 1.28 (which exits 1 on `--ansi never`), `--ansi never` from 1.28 and
in v2. Checked against a real docker-compose 1.25.5 installed from the package index into a
venv this test owns (skipped, saying why, when the index cannot be reached)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ffwizard.core.compose import ansi_options, compose_argv, parse_compose_version
from ffwizard.runtime.docker import compose_version_of

V1_OLD = "1.25.5"  # Ubuntu 20.04's series; the last v1 without --ansi is 1.27.4
# docker-compose 1.25.5 with --no-deps beside these (pins: what 1.25.5 still runs with).
V1_OLD_DEPS = ("docker<5", "requests<2.32", "docopt", "texttable", "cached-property<2",
               "jsonschema<4", "dockerpty", "websocket-client<1", "six", "PyYAML")


@pytest.mark.parametrize("output,version", [
    ("1.25.5\n", (1, 25, 5)),
    ("1.29.2\n", (1, 29, 2)),
    ("v2.20.2\n", (2, 20, 2)),
    ("2.26.1-4\n", (2, 26, 1)),
    ("2.20.2+ds1-0ubuntu1~22.04.1\n", (2, 20, 2)),
    ("docker-compose version 1.25.5, build 8a1c60f6\n", (1, 25, 5)),
    ("Docker Compose version v2.24.6\n", (2, 24, 6)),
    ("", None),
    ("unknown flag: --short\n", None),
])
def test_version_output_is_parsed(output, version):
    assert parse_compose_version(output) == version


@pytest.mark.parametrize("command,version,flags", [
    (["docker-compose"], (1, 25, 5), ["--no-ansi"]),
    (["docker-compose"], (1, 27, 4), ["--no-ansi"]),
    (["docker-compose"], (1, 28, 0), ["--ansi", "never"]),
    (["docker-compose"], (1, 29, 2), ["--ansi", "never"]),
    (["/opt/venv/bin/docker-compose"], (1, 25, 5), ["--no-ansi"]),
    (["docker-compose"], (2, 20, 2), ["--ansi", "never"]),   # the standalone v2 binary
    (["docker-compose"], None, ["--no-ansi"]),                # every v1 release knows it
    (["docker", "compose"], None, ["--ansi", "never"]),
    (["docker", "compose"], (2, 26, 1), ["--ansi", "never"]),
    (None, None, ["--ansi", "never"]),
])
def test_only_the_flag_the_version_knows(command, version, flags):
    assert ansi_options(command, version) == flags
    argv = compose_argv(command, "ff", "/srv/ff/docker-compose.yaml", "up", "-d", version=version)
    assert argv == [*(command or ["docker", "compose"]), *flags,
                    "-p", "ff", "-f", "/srv/ff/docker-compose.yaml", "up", "-d"]


@pytest.fixture(scope="session")
def old_docker_compose(tmp_path_factory) -> Path:
    """docker-compose 1.25.5 in a venv of this test session's own."""
    venv = tmp_path_factory.mktemp("compose-v1") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for argv in ([*pip, "--no-deps", f"docker-compose=={V1_OLD}"], [*pip, *V1_OLD_DEPS]):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.skip(f"docker-compose {V1_OLD} could not be installed from the package index "
                        f"here: {''.join((done.stderr or done.stdout).strip().splitlines()[-1:])}")
    return venv / "bin/docker-compose"


def _config(argv_head: list[str], compose_file: Path) -> subprocess.CompletedProcess:
    """`compose … config -q`: parses the flags and the file; needs no Docker Engine."""
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent.sock"}
    return subprocess.run([*argv_head, "config", "-q"], capture_output=True, text=True,
                          timeout=120, cwd=compose_file.parent, env=env)


def test_a_real_docker_compose_older_than_1_28_gets_no_ansi(old_docker_compose, tmp_path):
    compose_file = tmp_path / "docker-compose.yaml"
    compose_file.write_text("version: '2.3'\nservices:\n  pause: {image: 'pause:3.1'}\n")
    command = [str(old_docker_compose)]

    version = compose_version_of(command)
    assert version == (1, 25, 5)
    assert _config(compose_argv(command, "ff", compose_file, version=version),
                   compose_file).returncode == 0
    # What ffwizard passed before it asked: this release refuses it.
    assert _config([*command, "--ansi", "never", "-p", "ff", "-f", str(compose_file)],
                   compose_file).returncode == 1


@pytest.mark.parametrize("command", [["docker-compose"], ["docker", "compose"]],
                         ids=["installed-v1", "installed-v2"])
def test_the_installed_compose_accepts_what_it_is_given(command, tmp_path):
    """Whatever compose this machine has (Debian 12's 1.29.2, the v2 plugin)."""
    version = compose_version_of(command)
    if version is None:
        pytest.skip(f"{' '.join(command)} is not installed here (or does not say its version)")
    compose_file = tmp_path / "docker-compose.yaml"
    compose_file.write_text("version: '2.3'\nservices:\n  pause: {image: 'pause:3.1'}\n")
    done = _config(compose_argv(command, "ff", compose_file, version=version), compose_file)
    assert done.returncode == 0, done.stderr
