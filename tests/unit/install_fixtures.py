"""Copies of the realistic install trees in tests/fixtures/installs/, for the core's tests."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INSTALLS = FIXTURES / "installs"
NAMES = ("gpu8", "cpu4_block", "shards16", "disagree", "flat_models", "s3", "wrapped")

sys.path.insert(0, str(FIXTURES))
import make_installs  # noqa: E402  (the generator of the fixtures, for variants)


def copy_install(name: str, target: Path) -> Path:
    root = target / name
    shutil.copytree(INSTALLS / name, root)
    return root


def changed_lines(diff: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines of a unified diff, without their -/+ marks."""
    removed, added = [], []
    for line in diff.splitlines():
        if line.startswith(("---", "+++", "@@")):
            continue
        if line.startswith("-"):
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
    return removed, added


def service_block(text: str, service: str) -> list[str]:
    """The lines of one service in a compose file, without trailing blank/comment lines."""
    lines = text.splitlines()
    start = lines.index(f"  {service}:")
    end = start + 1
    while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()
                                or lines[end].lstrip().startswith("#") and
                                lines[end].startswith("      ")):
        end += 1
    block = lines[start:end]
    while block and not block[-1].strip():
        block.pop()
    return block


def plan_of(root, raw_answers: dict | None = None):
    """Detect, resolve the answers and build the plan, as `ffwizard plan` does."""
    from ffwizard.core.answers import resolve_answers
    from ffwizard.core.detect import detect
    from ffwizard.core.plan import build_plan

    installation = detect(Path(root))
    answers, problems = resolve_answers(installation, raw_answers, None, source="answers")
    return build_plan(installation, answers, problems=problems)
