"""Making a plan and reading one back: above the plan's data (core/plan.py) and the steps
(core/steps), which both build on that data.

`build_plan` asks each step of the registry, in order, to plan itself; `load_plan` reads the plan
a run saved (`Plan.save`), each step's parameters typed by its registered kind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ffwizard.core.answers import Answers
from ffwizard.core.installation import Installation, Problem, Shard
from ffwizard.core.plan import PLAN_FILE, PRIVATE_DIR, FileChange, Plan, PlanSummary, Step
from ffwizard.core.shards import new_shards_for
from ffwizard.core.steps import STEPS, kind_of
from ffwizard.core.steps.base import PlanContext


def new_shards_from_specs(installation: Installation, answers: Answers) -> list[Shard]:
    return new_shards_for(installation, list(answers.new_shards))


def build_plan(installation: Installation, answers: Answers, *, run_dir: Path | None = None,
               problems: list[Problem] | None = None) -> Plan:
    """The whole plan: each step of the registry, in order, plans itself (or leaves itself out).
    `problems`: those found while resolving the answers (added to detection's).

    File changes are computed even when a problem blocks the plan, as far as the inputs allow,
    so the user sees what would happen.
    """
    inst = installation
    run_dir = run_dir or inst.root / ".ffwizard" / "run"
    all_problems = list(inst.problems) + list(problems or [])
    context = PlanContext(inst, answers, run_dir, new_shards_from_specs(inst, answers))
    steps: list[Step[Any]] = []
    for kind in STEPS:
        step = kind.plan(context)
        if step is not None:
            steps.append(step)
    # A file detection already found broken is reported once.
    reported = {(p.where or "").split(":")[0] for p in all_problems if p.severity == "error"}
    edit_problems = [p for p in context.problems
                     if (p.where or "").split(":")[0] not in reported]
    return Plan(root=inst.root, steps=steps,
                summary=PlanSummary.of(inst, answers, context.new_shards),
                problems=all_problems + edit_problems, run_dir=run_dir, installation=inst,
                answers=answers, new_shards=context.new_shards)


def load_plan(run_dir: Path) -> Plan:
    """The plan a run saved in `run_dir` (file contents read back from its private/ files)."""
    run_dir = Path(run_dir)
    data = json.loads((run_dir / PLAN_FILE).read_text())

    def text(value: Any) -> Any:
        if isinstance(value, dict):
            # As written, CRLF included: read with universal newlines, a CRLF file's texts
            # would no longer match the file, and a resumed run refused to write it.
            with (run_dir / PRIVATE_DIR / value["private"]).open(encoding="utf-8",
                                                                newline="") as handle:
                return handle.read()
        return value

    root = Path(data["root"])
    steps: list[Step[Any]] = []
    for item in data["steps"]:
        changes = [FileChange(Path(c["path"]), text(c["before"]), text(c["after"]),
                              c.get("mode"), bool(c.get("secret")), root)
                   for c in item["changes"]]
        kind = kind_of(item["id"])
        params = kind.params_type.from_json(item.get("params", {}))
        steps.append(Step(item["id"], item["title"], item.get("explanation", ""),
                          [list(argv) for argv in item.get("commands", [])], changes,
                          bool(item.get("reversible", True)), item.get("undo", ""), params,
                          bool(item.get("point_of_no_return", False)), kind=kind))
    return Plan(root, steps, PlanSummary.from_json(data.get("summary", {})), run_dir=run_dir)
