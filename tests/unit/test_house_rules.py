"""The house rules, checked by the README's one test command: the import contracts
(import-linter, configured and commented in pyproject.toml), ruff on the whole tree, mypy strict
on the core and the session, and a reason for every function-local import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PACKAGE = ROOT / "ffwizard"


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_import_contracts_hold():
    result = run("lint-imports")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_passes_on_the_whole_tree():
    result = run("ruff", "check", "--output-format", "concise", "ffwizard", "tests", "scripts",
                 "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes_on_the_core_and_the_session():
    result = run("mypy")  # files and strictness: [tool.mypy] in pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr


def function_local_imports(path: Path) -> list[tuple[int, bool]]:
    """(line, has a `# lazy:` reason) of each import inside a function. The reason stands on the
    import's own lines or in the comment right above it (or above the group it ends)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    nested = [node for function in ast.walk(tree)
              if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
              for node in ast.walk(function) if isinstance(node, (ast.Import, ast.ImportFrom))]
    import_lines = {n for node in nested for n in range(node.lineno, (node.end_lineno or 0) + 1)}
    found = []
    for node in nested:
        own = lines[node.lineno - 1:node.end_lineno]
        reason = any("# lazy:" in line for line in own)
        number = node.lineno - 1
        while not reason and number >= 1:
            line = lines[number - 1].strip()
            if "# lazy:" in line:
                reason = True
            elif not (number in import_lines or line.startswith("#")):
                break
            number -= 1
        found.append((node.lineno, reason))
    return found


def test_every_function_local_import_says_why_it_is_lazy():
    """Only to keep Textual, docker, httpx, ruamel or what only a run needs off a light path
    (`ffwizard --help`, `plan`, `status`), each with `# lazy: <reason>`; an import that only
    dodges a cycle means the modules need restructuring instead."""
    unexplained = [f"{path.relative_to(ROOT)}:{line}"
                   for path in sorted(PACKAGE.rglob("*.py"))
                   for line, reason in function_local_imports(path) if not reason]
    assert not unexplained, "function-local imports without '# lazy: <reason>':\n  " + \
        "\n  ".join(unexplained)


def test_the_lazy_import_check_sees_a_bare_one(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    # lazy: ruamel only to edit\n    import ruamel\n"
                      "    from a import (\n        b,\n    )\n\n"
                      "def g():\n    import json\n")
    assert function_local_imports(module) == [(3, True), (4, True), (9, False)]


def test_the_session_never_prints():
    """The application layer returns results and raises errors; the front ends show them."""
    tree = ast.parse((PACKAGE / "session.py").read_text(encoding="utf-8"))
    calls = [node.func.id for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert "print" not in calls and "input" not in calls
    assert not names & {"stdout", "stderr", "stdin"}


def test_no_screen_calls_its_parent_class_message_handler():
    """Textual calls the `on_<message>` handler of every class in a widget's MRO by itself: a
    screen that also calls `super().on_button_pressed(...)` runs the parent's handler twice (the
    Review screen opened its start question twice and Cancel seemed to do nothing)."""
    offenders = []
    for path in sorted((PACKAGE / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr.startswith(("on_", "_on_"))
                    and isinstance(node.func.value, ast.Call)
                    and isinstance(node.func.value.func, ast.Name)
                    and node.func.value.func.id == "super"):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
