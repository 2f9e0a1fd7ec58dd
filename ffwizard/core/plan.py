"""The plan: one type, read by the review, `ffwizard plan`, preflight, the executor, the journal's
readers and the report.

This module is the plan's data, below the steps that make it: a plan is built from the
detected installation and the resolved answers by `core.planner.build_plan` (each step of the
registry `ffwizard.core.steps.STEPS` plans itself), and saved in the run directory when a run
starts (`Plan.save`), so that `resume` and `rollback` act on exactly the plan `apply` started, not
on one rebuilt from files the run already changed (`core.planner.load_plan`).

Every step says what it runs (display argv lists), which files it writes (before/after text, so
a unified diff can be shown before anything is written), whether it can be undone and how, and
its typed parameters. File contents are kept out of `plan.json`, in `private/` (0700 directory,
0600 files): migration.yaml holds the s3 keys, and so does sf-api.yaml itself.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ffwizard.core.answers import Answers
from ffwizard.core.atomic import atomic_write_text
from ffwizard.core.compose import compose_argv
from ffwizard.core.installation import Installation, Problem, Shard, shard_public_dict
from ffwizard.core.newlines import as_lf
from ffwizard.core.secrets import mask_secrets

if TYPE_CHECKING:
    from ffwizard.core.steps.base import StepKind, StepParams

PLAN_FILE = "plan.json"
PRIVATE_DIR = "private"


@dataclass(frozen=True)
class FileChange:
    """A file a step writes: its text before (None: a new file) and after."""

    path: Path  # absolute host path of the file
    before: str | None  # current text (None: the file does not exist yet)
    after: str  # the text after the step
    mode: int | None = None  # mode for new files; None: keep the file's (0o644 for new ones)
    secret: bool = False  # the diff masks secrets
    root: Path | None = field(default=None, compare=False)  # labels are relative to it

    @property
    def label(self) -> str:
        if self.root is not None:
            try:
                return str(self.path.relative_to(self.root))
            except ValueError:
                pass
        return str(self.path).lstrip("/")

    def diff(self) -> str:
        before = self.before or ""
        after = self.after
        if self.secret:
            before, after = mask_secrets(before), mask_secrets(after)
        from_label = f"a/{self.label}" if self.before is not None else "/dev/null"
        # A CRLF file's diff reads as any other (its line endings are kept, not shown).
        lines = difflib.unified_diff(as_lf(before).splitlines(keepends=True),
                                     as_lf(after).splitlines(keepends=True),
                                     fromfile=from_label, tofile=f"b/{self.label}")
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


P = TypeVar("P", bound="StepParams")


@dataclass(frozen=True)
class Step(Generic[P]):
    """One planned step: what its kind (`kind`, the registered StepKind of `id`) planned."""

    id: str
    title: str  # in the language the plan was made in (shown: `steps.step_title(step)`)
    explanation: str
    commands: list[list[str]]
    changes: list[FileChange]
    reversible: bool
    undo: str
    params: P
    point_of_no_return: bool = False
    kind: StepKind[P] = field(kw_only=True, compare=False, repr=False)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "explanation": self.explanation,
            "commands": [list(c) for c in self.commands],
            "diffs": {str(c.path): c.diff() for c in self.changes},
            "reversible": self.reversible,
            "undo": self.undo,
            "point_of_no_return": self.point_of_no_return,
            "params": self.params.to_json(),
        }


@dataclass(frozen=True)
class ShardSummary:
    """A shard as the plan remembers it (public: no secrets)."""

    name: str
    service: str | None = None
    http_port: int | None = None
    tarantool_port: int | None = None
    data_dir: str | None = None
    url: str | None = None
    memtx_memory: int | None = None

    @classmethod
    def of(cls, shard: Shard) -> ShardSummary:
        return cls(shard.name, shard.service, shard.http_port, shard.tarantool_port,
                   shard.data_dir, shard.url, shard.memtx_memory)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ShardSummary:
        return cls(str(data["name"]), data.get("service"), data.get("http_port"),
                   data.get("tarantool_port"), data.get("data_dir"), data.get("url"),
                   data.get("memtx_memory"))


@dataclass(frozen=True)
class PlanSummary:
    """What was detected and chosen, public (no secrets): for preflight, status and the report."""

    project: str = "findface-multi"
    compose_file: str | None = None
    device: str = "?"
    models_root: str = "?"
    models_before: Mapping[str, str] = field(default_factory=dict)  # object type -> model today
    normalized_storage: str | None = None  # the storage type of the normalized images
    clustering_enabled: bool = False
    models: Mapping[str, str] = field(default_factory=dict)  # object type -> new model
    migration: Mapping[str, int] = field(default_factory=dict)  # the migration tool's settings
    backup_dir: str | None = None
    old_shards: tuple[ShardSummary, ...] = ()
    new_shards: tuple[ShardSummary, ...] = ()

    @classmethod
    def of(cls, installation: Installation, answers: Answers,
           new_shards: list[Shard]) -> PlanSummary:
        storage = installation.normalized_storage
        return cls(
            project=installation.project,
            compose_file=str(installation.compose_file) if installation.compose_file else None,
            device=installation.device, models_root=installation.models_root,
            models_before=dict(installation.models),
            normalized_storage=storage.type if storage else None,
            clustering_enabled=bool(installation.clustering_enabled),
            models=dict(answers.models),
            migration=answers.migration_settings(),
            backup_dir=str(answers.backup_dir),
            old_shards=tuple(ShardSummary.of(s) for s in installation.shards),
            new_shards=tuple(ShardSummary.of(s) for s in new_shards))

    def to_json(self) -> dict[str, Any]:
        return {
            "installation": {
                "project": self.project, "compose_file": self.compose_file,
                "device": self.device, "models_root": self.models_root,
                "models": dict(self.models_before),
                "normalized_storage": ({"type": self.normalized_storage}
                                       if self.normalized_storage else None),
                "clustering_enabled": self.clustering_enabled,
            },
            "answers": {"models": dict(self.models), "migration": dict(self.migration),
                        "backup_dir": self.backup_dir},
            "new_shards": [s.to_json() for s in self.new_shards],
            "old_shards": [s.to_json() for s in self.old_shards],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanSummary:
        inst = data.get("installation") or {}
        answers = data.get("answers") or {}
        storage = inst.get("normalized_storage") or {}
        default = cls()
        return cls(
            project=inst.get("project", default.project),
            compose_file=inst.get("compose_file"),
            device=inst.get("device", default.device),
            models_root=inst.get("models_root", default.models_root),
            models_before=dict(inst.get("models") or {}),
            normalized_storage=storage.get("type") if storage else None,
            clustering_enabled=bool(inst.get("clustering_enabled")),
            models=dict(answers.get("models") or {}),
            migration=dict(answers.get("migration") or {}),
            backup_dir=answers.get("backup_dir"),
            old_shards=tuple(ShardSummary.from_json(s) for s in data.get("old_shards", [])),
            new_shards=tuple(ShardSummary.from_json(s) for s in data.get("new_shards", [])))


@dataclass
class Plan:
    """The steps in order, and what they were planned from.

    `installation`, `answers` and `new_shards` are there when the plan was built in this process
    (the review and `ffwizard plan` show them); a plan loaded from a run directory has its
    `summary` only."""

    root: Path
    steps: list[Step[Any]]
    summary: PlanSummary = field(default_factory=PlanSummary)
    problems: list[Problem] = field(default_factory=list)
    run_dir: Path | None = None
    installation: Installation | None = None
    answers: Answers | None = None
    new_shards: list[Shard] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def step(self, step_id: str) -> Step[Any]:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def has(self, step_id: str) -> bool:
        return any(s.id == step_id for s in self.steps)

    def index(self, step_id: str) -> int:
        """The 1-based position of a step."""
        return [s.id for s in self.steps].index(step_id) + 1

    @property
    def point_of_no_return(self) -> str | None:
        for step in self.steps:
            if step.point_of_no_return:
                return step.id
        return None

    @property
    def confirm_before(self) -> str | None:
        """The step before which the user confirms the point of no return: the point of no
        return itself, or the step right before it when that step's kind asks to be confirmed
        with it (stopping the old shard services leaves the live sf-api without shards until it
        is switched, so the two then run back to back instead of with a question between)."""
        pnr = self.point_of_no_return
        if pnr is None:
            return None
        position = self.index(pnr) - 1
        if position > 0 and self.steps[position - 1].kind.confirmed_with_next:
            return self.steps[position - 1].id
        return pnr

    def to_json_dict(self) -> dict[str, Any]:
        """The plan as `ffwizard plan --json` prints it (built plans only)."""
        assert self.installation is not None and self.answers is not None
        return {
            "installation": self.installation.to_public_dict(),
            "answers": self.answers.to_dict(),
            "new_shards": [shard_public_dict(s) for s in self.new_shards],
            "run_dir": str(self.run_dir),
            "steps": [s.to_json_dict() for s in self.steps],
            "problems": [asdict(p) for p in self.problems],
            "blocked": self.blocked,
        }

    # --- saving -----------------------------------------------------------------------------
    def save(self, run_dir: Path) -> None:
        """Write plan.json (and the files' contents into private/) in `run_dir`."""
        private = Path(run_dir) / PRIVATE_DIR
        steps = []
        for step in self.steps:
            changes = []
            for index, change in enumerate(step.changes):
                item: dict[str, Any] = {"path": str(change.path), "before": change.before,
                                        "after": change.after, "mode": change.mode,
                                        "secret": change.secret}
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
                          "point_of_no_return": step.point_of_no_return,
                          "params": step.params.to_json()})
        data = {"root": str(self.root), "summary": self.summary.to_json(), "steps": steps}
        atomic_write_text(Path(run_dir) / PLAN_FILE, json.dumps(data, indent=1), mode=0o644)


# --- building ----------------------------------------------------------------------------------

def shard_url(shard: Shard) -> str:
    """The base URL of a shard's HTTP API (`http://127.0.0.1:8101/`)."""
    return f"http://{shard.http_host}:{shard.http_port}/"


def compose_base(inst: Installation) -> list[str]:
    compose_file = str(inst.compose_file) if inst.compose_file else "docker-compose.yaml"
    return compose_argv(inst.compose_command, inst.project, compose_file)
