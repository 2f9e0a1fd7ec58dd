"""The registry is the only list of steps; each step is one module that alone names its id."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from install_fixtures import plan_of

import ffwizard
from ffwizard.core.plan import Plan, step_short_title, step_title
from ffwizard.core.steps import STEPS, find_kind, kind_of

PACKAGE = Path(ffwizard.__file__).parent

# Literals equal to a step id that mean something else: the answers key that asks for the
# clusters to be migrated, and the vendor's own command of that name (as the demo implements it).
OTHER_MEANINGS = {
    ("migrate_clusters", "ffwizard/core/answers.py"),
    ("migrate_clusters", "ffwizard/ui/screens/settings.py"),
    ("migrate_clusters", "ffwizard/demo/cluster_tool.py"),
}


def test_each_step_id_is_written_only_in_its_own_module():
    own = {kind.id: type(kind).__module__ for kind in STEPS}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        module = relative[:-3].replace("/", ".")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in own \
                    and own[node.value] != module \
                    and (node.value, relative) not in OTHER_MEANINGS:
                found.append(f"{relative}:{node.lineno}: {node.value!r}")
    assert not found, "step ids outside their step's module:\n" + "\n".join(found)


def test_the_registry_holds_each_step_once_with_its_words():
    ids = [kind.id for kind in STEPS]
    assert len(set(ids)) == len(ids)
    for kind in STEPS:
        assert type(kind).__module__ == f"ffwizard.core.steps.{kind.id}"
        assert kind_of(kind.id) is kind and find_kind(kind.id) is kind
        assert step_title({"id": kind.id}) == kind.title
        assert len(step_short_title({"id": kind.id})) <= 25
    assert find_kind("no_such_step") is None
    assert step_title({"id": "no_such_step", "title": "Kept"}) == "Kept"


@pytest.mark.parametrize("answers", [{}, {"migrate_clusters": True}])
def test_every_step_is_planned_in_registry_order_and_round_trips(gpu8, tmp_path, answers):
    plan = plan_of(gpu8, answers)
    assert not plan.blocked, plan.problems
    order = [kind.id for kind in STEPS]
    ids = [step.id for step in plan.steps]
    assert ids == [i for i in order if i in ids]
    for step in plan.steps:
        assert step.kind.params_type.from_json(step.params.to_json()) == step.params
    saved = tmp_path / "saved"
    saved.mkdir()
    plan.save(saved)
    loaded = Plan.load(saved)
    assert loaded.summary == plan.summary
    assert [(s.id, s.params, s.commands, s.changes, s.reversible, s.point_of_no_return)
            for s in loaded.steps] == \
        [(s.id, s.params, s.commands, s.changes, s.reversible, s.point_of_no_return)
         for s in plan.steps]
    assert loaded.confirm_before == plan.confirm_before
