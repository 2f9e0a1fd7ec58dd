"""A fake runtime (the `Runtime` Protocol, in memory) and a step context around it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ffwizard.core.journal import RunDir
from ffwizard.core.plan import Plan, Step
from ffwizard.core.ports import ExecResult, HttpAnswer, Runtime, ServiceState
from ffwizard.core.progress import STAT_PATH
from ffwizard.core.settings import Settings
from ffwizard.core.steps.base import Event, StepContext

OLD_COUNTS = {"ffsec_face_events": 30, "ffsec_body_events": 12}


class FakeRuntime:
    """Every service runs; every URL answers 200; calls are recorded in `calls`.

    Shard gallery lists: the old shards hold OLD_COUNTS (split over them), the new ones nothing
    until `migrated` is set (or the detached tool's marker file exists)."""

    kind = "fake"

    def __init__(self, root: Path, old_urls: tuple[str, ...] = (),
                 new_urls: tuple[str, ...] = ()) -> None:
        self.root = root
        self.project = "fake"
        self.compose_file = root / "docker-compose.yaml"
        self.old_urls = old_urls
        self.new_urls = new_urls
        self.marker = root / "migrated.marker"
        self.calls: list[tuple[Any, ...]] = []
        self.answers: dict[str, HttpAnswer] = {}
        self.exec_code = 0

    @property
    def migrated(self) -> bool:
        return self.marker.exists()

    def counts(self, base: str) -> dict[str, int]:
        shards = self.old_urls if base in self.old_urls else self.new_urls
        if base in self.new_urls and not self.migrated:
            return {}
        first = base == shards[0]
        return {name: count if first else 0 for name, count in OLD_COUNTS.items()}

    # --- looking ---------------------------------------------------------------------------
    def ping(self) -> None:
        pass

    def services(self) -> dict[str, ServiceState]:
        return {}

    def http_get(self, url: str, timeout: float = 5.0) -> HttpAnswer:
        if url in self.answers:
            return self.answers[url]
        for base in (*self.old_urls, *self.new_urls):
            if url == base.rstrip("/") + "/" + STAT_PATH:
                return HttpAnswer(200, json.dumps(self.counts(base)).encode())
        return HttpAnswer(200, b"not a gallery list")

    def path_exists(self, service: str, container_path: str) -> bool:
        return True

    def list_files(self, service: str, container_dir: str, suffix: str = "") -> list[str]:
        return []

    def compose_command_in_use(self) -> list[str] | None:
        return None

    def compose_display_argv(self, *args: str) -> list[str]:
        return ["compose", *args]

    # --- acting ----------------------------------------------------------------------------
    def exec(self, service: str, argv: list[str], *, workdir: str | None = None,
             timeout: float | None = None) -> ExecResult:
        self.calls.append(("exec", service, tuple(argv), workdir))
        return ExecResult(self.exec_code, "tool output\n")

    def detached_host_argv(self, service: str, argv: list[str], *,
                           workdir: str | None = None) -> list[str]:
        self.calls.append(("detached", service, tuple(argv), workdir))
        return [sys.executable, "-c",
                f"import pathlib; print('migrating'); pathlib.Path({str(self.marker)!r}).touch()"]

    def stop_detached(self, service: str, argv: list[str]) -> int:
        self.calls.append(("stop_detached", service, tuple(argv)))
        return 0

    def copy_out(self, service: str, container_path: str, host_dir: Path) -> Path:
        self.calls.append(("copy_out", service, container_path))
        copied = host_dir / Path(container_path).name
        copied.mkdir(parents=True)
        (copied / "gallery.dump").write_text("dump")
        return copied

    def copy_in(self, service: str, host_path: Path, container_dir: str) -> None:
        self.calls.append(("copy_in", service, host_path, container_dir))

    def restart(self, service: str) -> None:
        self.calls.append(("restart", service))

    def compose_up(self, *, remove_orphans: bool = False) -> ExecResult:
        self.calls.append(("compose_up", remove_orphans))
        return ExecResult(0, "")

    def remove_services(self, services: list[str]) -> None:
        self.calls.append(("remove_services", tuple(services)))


def fake_for(plan: Plan) -> FakeRuntime:
    migration = plan.step("run_migration").params
    runtime = FakeRuntime(plan.root, migration.old_shard_urls, migration.new_shard_urls)
    assert isinstance(runtime, Runtime)
    return runtime


class Harness:
    """A run directory, a fake runtime and the context a step runs with."""

    def __init__(self, plan: Plan, runtime: FakeRuntime | None = None) -> None:
        self.plan = plan
        self.runtime = runtime or fake_for(plan)
        self.events: list[Event] = []
        self.run = RunDir.create(plan.root, "fake")
        self.ctx = StepContext(self.run, plan, self.runtime,
                               Settings(poll_interval=0.05, health_timeout=1.0),
                               self.events.append)

    def step(self, step_id: str) -> Step[Any]:
        return self.plan.step(step_id)

    def run_step(self, step_id: str) -> Step[Any]:
        step = self.step(step_id)
        step.kind.run(step, self.ctx)
        self.run.journal.append("step_done", step=step.id)  # type: ignore[arg-type]
        return step

    def undo_step(self, step_id: str) -> Step[Any]:
        step = self.step(step_id)
        step.kind.undo(step, self.ctx)
        return step

    def calls(self, name: str) -> list[tuple[Any, ...]]:
        return [c for c in self.runtime.calls if c[0] == name]
