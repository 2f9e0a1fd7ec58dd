"""Helpers to drive the CLI on simulated installations and compare what it leaves."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

NEW_MODELS = {
    "gpu": {"face": "face/nectarine_m_160.gpu.fnk", "body": "pedrec/wheat_m_256.gpu.fnk",
            "car": "carrec/cedar_m_224.gpu.fnk"},
    "cpu": {"face": "face/nectarine_m_160.cpu.fnk", "body": "pedrec/wheat_m_256.cpu.fnk",
            "car": "carrec/cedar_m_224.cpu.fnk"},
}
FAST_ENV = {"FFWIZARD_POLL_INTERVAL": "0.2", "FFWIZARD_HEALTH_TIMEOUT": "30"}
# What a CLI subprocess keeps of the FFSIM_ variables: the session's port registry and the
# owner its services stop with (tests/conftest.py), never a fault knob set outside.
SESSION_VARS = ("FFSIM_PORT_REGISTRY", "FFSIM_OWNER")


def inherited_env() -> dict[str, str]:
    """The test process's environment without test knobs and fault knobs."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("FFWIZARD_TEST_", "FFSIM_")) or k in SESSION_VARS}


def write_answers(directory: Path, device: str = "gpu", **extra) -> Path:
    path = directory / f"answers-{device}.yaml"
    data = {"models": NEW_MODELS[device], **extra}
    path.write_text(json.dumps(data))  # JSON is YAML
    return path


def ffwizard(*args: str, env: dict | None = None, timeout: float = 180,
             stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    """Run the ffwizard CLI in a subprocess (stdin not a terminal)."""
    full_env = {**inherited_env(), **FAST_ENV, **(env or {})}
    return subprocess.run([sys.executable, "-m", "ffwizard", *args], env=full_env, stdin=stdin,
                          capture_output=True, text=True, timeout=timeout)


def tree_digest(root: Path, *, exclude: tuple[str, ...] = (".ffwizard", ".sim")) -> dict[str, str]:
    """Relative path -> sha256 (or 'dir' / mode) of every file under root, for byte comparisons."""
    result = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts and rel.parts[0] in exclude:
            continue
        st = path.lstat()
        if path.is_dir():
            result[str(rel)] = f"dir {st.st_mode & 0o7777:o} {st.st_uid}:{st.st_gid}"
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            result[str(rel)] = f"{digest} {st.st_mode & 0o7777:o} {st.st_uid}:{st.st_gid}"
    return result


def install_files(root: Path) -> dict[str, bytes]:
    """The files ffwizard edits (compose and configs), byte for byte."""
    files = {"docker-compose.yaml": (root / "docker-compose.yaml").read_bytes()}
    for path in sorted((root / "configs").rglob("*")):
        if path.is_file():
            files[str(path.relative_to(root))] = path.read_bytes()
    return files


def shard_dirs(root: Path) -> list[Path]:
    return sorted((root / "data/findface-tarantool-server").iterdir())


def shard_content(data_dir: Path) -> dict:
    """A shard's galleries as stored on disk (snapshot + log), independent of how they were
    written: gallery -> (model, sorted objects)."""
    from ffwizard.demo.storage import ShardStore

    store = ShardStore(data_dir).load()
    try:
        return {name: (g.model, sorted(g.objects.items())) for name, g in store.galleries.items()}
    finally:
        store.close()


def journal_events(root: Path) -> list[dict]:
    from ffwizard.core.journal import find_run

    run = find_run(root)
    return run.journal.events() if run else []


def plan_of(root, raw_answers: dict | None = None):
    """Detect, resolve the answers and build the plan, as `ffwizard plan` does."""
    from ffwizard.core.answers import resolve_answers
    from ffwizard.core.detect import detect
    from ffwizard.core.planner import build_plan

    installation = detect(Path(root))
    answers, problems = resolve_answers(installation, raw_answers, None, source="answers")
    return build_plan(installation, answers, problems=problems)


def wait_for(condition, what: str, timeout: float = 120.0):
    """Poll a state until it holds and return it (never sleep a fixed time); the timeout only
    keeps a broken run from hanging the suite."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
