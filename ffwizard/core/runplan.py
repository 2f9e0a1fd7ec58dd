"""The executor's own frozen copy of a plan, saved in the run directory.

`resume` and `rollback` must act on exactly the plan `apply` started, not on a plan rebuilt from
files the run already changed; so the plan's steps (every file's `before`/`after`, every param)
are saved when the run starts. File contents are kept out of `plan.json`, in `private/` (0700
directory, 0600 files): migration.yaml holds the s3 keys, and so does sf-api.yaml itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ffwizard.core.atomic import atomic_write_text

PLAN_FILE = "plan.json"
PRIVATE_DIR = "private"


@dataclass(frozen=True)
class RunChange:
    path: Path
    before: str | None
    after: str
    mode: int | None = None
    secret: bool = False


@dataclass(frozen=True)
class RunStep:
    id: str
    title: str
    explanation: str = ""
    commands: list = field(default_factory=list)
    changes: list = field(default_factory=list)  # list[RunChange]
    reversible: bool = True
    undo: str = ""
    point_of_no_return: bool = False
    params: dict = field(default_factory=dict)


@dataclass
class RunPlan:
    root: Path
    steps: list  # list[RunStep]
    # What was detected and chosen, public (no secrets): for status and the report.
    summary: dict = field(default_factory=dict)

    def step(self, step_id: str) -> RunStep:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def has(self, step_id: str) -> bool:
        return any(s.id == step_id for s in self.steps)

    @property
    def point_of_no_return(self) -> str | None:
        for step in self.steps:
            if step.point_of_no_return:
                return step.id
        return None

    @property
    def confirm_before(self) -> str | None:
        """The step before which the user confirms the point of no return.

        Stopping the old shard services leaves the live sf-api without shards until it is
        switched to the new ones; so the question comes before that stop, and the two steps
        then run back to back instead of with an unanswered question between them."""
        pnr = self.point_of_no_return
        ids = [step.id for step in self.steps]
        if pnr is not None and ids.index(pnr) > 0 and ids[ids.index(pnr) - 1] == "remove_old_shards":
            return "remove_old_shards"
        return pnr

    # --- building ---------------------------------------------------------------------------
    @classmethod
    def from_plan(cls, plan) -> "RunPlan":
        """Copy a `ffwizard.core.plan.Plan` (duck-typed: only its attributes are read)."""
        steps = []
        for step in plan.steps:
            changes = [RunChange(Path(c.path), c.before, c.after, c.mode, bool(c.secret))
                       for c in step.changes]
            steps.append(RunStep(step.id, step.title, step.explanation,
                                 [list(map(str, argv)) for argv in step.commands], changes,
                                 bool(step.reversible), step.undo,
                                 bool(step.point_of_no_return),
                                 json.loads(json.dumps(step.params, default=str))))
        installation = plan.installation
        answers = plan.answers
        summary = {
            "installation": installation.to_public_dict(),
            "answers": json.loads(json.dumps(answers.to_dict(), default=str)),
            "new_shards": [_shard_dict(s) for s in plan.new_shards],
            "old_shards": [_shard_dict(s) for s in installation.shards],
        }
        return cls(Path(installation.root), steps, summary)

    # --- saving -----------------------------------------------------------------------------
    def save(self, run_dir: Path) -> None:
        private = Path(run_dir) / PRIVATE_DIR
        steps = []
        for step in self.steps:
            changes = []
            for index, change in enumerate(step.changes):
                item = {"path": str(change.path), "before": change.before, "after": change.after,
                        "mode": change.mode, "secret": change.secret}
                private.mkdir(mode=0o700, exist_ok=True)
                name = f"{step.id}.{index}"
                for key in ("before", "after"):
                    if item[key] is not None:
                        atomic_write_text(private / f"{name}.{key}", item[key], mode=0o600)
                        item[key] = {"private": f"{name}.{key}"}
                changes.append(item)
            steps.append({"id": step.id, "title": step.title, "explanation": step.explanation,
                          "commands": step.commands, "changes": changes,
                          "reversible": step.reversible, "undo": step.undo,
                          "point_of_no_return": step.point_of_no_return, "params": step.params})
        data = {"root": str(self.root), "summary": self.summary, "steps": steps}
        atomic_write_text(Path(run_dir) / PLAN_FILE, json.dumps(data, indent=1), mode=0o644)

    @classmethod
    def load(cls, run_dir: Path) -> "RunPlan":
        run_dir = Path(run_dir)
        data = json.loads((run_dir / PLAN_FILE).read_text())

        def text(value):
            if isinstance(value, dict):
                return (run_dir / PRIVATE_DIR / value["private"]).read_text()
            return value

        steps = []
        for item in data["steps"]:
            changes = [RunChange(Path(c["path"]), text(c["before"]), text(c["after"]),
                                 c.get("mode"), bool(c.get("secret")))
                       for c in item["changes"]]
            steps.append(RunStep(item["id"], item["title"], item.get("explanation", ""),
                                 item.get("commands", []), changes, item.get("reversible", True),
                                 item.get("undo", ""), item.get("point_of_no_return", False),
                                 item.get("params", {})))
        return cls(Path(data["root"]), steps, data.get("summary", {}))


def _shard_dict(shard) -> dict:
    return {"name": shard.name, "service": shard.service, "http_port": shard.http_port,
            "tarantool_port": shard.tarantool_port, "data_dir": shard.data_dir,
            "url": shard.url, "memtx_memory": shard.memtx_memory}


def secure_dir(path: Path) -> None:
    os.chmod(path, 0o700)
