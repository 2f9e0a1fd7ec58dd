"""Step 8: the verification per gallery, where the report and backups are, what to keep."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.content import Content
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from ffwizard.ui.screens.base import WizardScreen


def verification_rows(run_dir: Path) -> tuple[Content, bool]:
    """Per gallery: objects before, copied, and now (from the run's journal)."""
    from ffwizard.core.journal import RunDir

    state = RunDir(run_dir).state()
    copy = state.data.get("verify_copy", {})
    final = state.data.get("verify_final", {})
    old = copy.get("old_counts") or {}
    new = copy.get("new_counts") or {}
    now = final.get("final_counts") or new
    parts: list = [(f"  {'gallery':<24}{'old shards':>11}{'new shards':>11}{'now':>9}\n", "bold")]
    all_ok = bool(old)
    for name in sorted(set(old) | set(new)):
        ok = old.get(name, 0) == new.get(name, 0) and now.get(name, 0) >= new.get(name, 0)
        all_ok = all_ok and ok
        parts.append(("✓ " if ok else "✗ ", "$text-success" if ok else "bold $text-error"))
        parts.append(f"{name:<24}{old.get(name, 0):>11,}{new.get(name, 0):>11,}"
                     f"{now.get(name, 0):>9,}\n")
    total_old, total_new = sum(old.values()), sum(new.values())
    parts.append((f"  {'total':<24}{total_old:>11,}{total_new:>11,}{sum(now.values()):>9,}\n",
                  "bold"))
    return Content.assemble(*parts).rstrip(), all_ok


class DoneScreen(WizardScreen):
    STEP = 7
    TITLE_TEXT = "Done"
    NEXT_LABEL = "Quit"
    CAN_GO_BACK = True
    HELP = ("The migration is finished. The table compares, per gallery, the objects in the old "
            "shards with those copied into the new ones. Keep the old shard directories and the "
            "dump until you are sure; they are the way back.")

    def __init__(self, outcome, run_plan) -> None:
        super().__init__()
        self.outcome = outcome
        self.run_plan = run_plan

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        run_dir = Path(self.outcome.run_dir)
        rows, ok = verification_rows(run_dir)
        yield Static(Content.assemble(
            ("✓ Migration finished" if ok else "Migration finished, with differences",
             "bold $text-success" if ok else "bold $text-error")), classes="screen-title")
        yield Static("Verification: objects per gallery", classes="section")
        yield Static(rows, id="verification", classes="table")
        summary = self.run_plan.summary if self.run_plan else {}
        answers = summary.get("answers", {})
        old = summary.get("old_shards", [])
        backup = answers.get("backup_dir", "?")
        report = run_dir / "report.md"
        yield Static("Where things are", classes="section")
        with Vertical(id="where", classes="para"):
            for label, value in (("Report", state.show_path(report)),
                                 ("Run files", state.show_path(run_dir)
                                  + " (journal, logs, backups of the files changed)"),
                                 ("Database dump", str(backup))):
                with Horizontal(classes="fact"):
                    yield Label(label, classes="field-label fact-label")
                    yield Static(value, classes="fact-value")
        dirs = [s.get("data_dir") for s in old if s.get("data_dir")]
        shown = ", ".join(Path(d).name for d in dirs[:4]) + (" …" if len(dirs) > 4 else "")
        parent = str(Path(dirs[0]).parent) if dirs else "?"
        yield Static("What to keep", classes="section")
        yield Static(
            f"Keep the old shard data ({shown} in {parent}) and the dump until FindFace has "
            f"worked with the new model for a while (a week is a good rule): they are the only "
            f"way back. ffwizard never deletes them; after that, they may be deleted by hand. "
            f"The old shard services are already stopped.", id="keep", classes="para")

    def action_back(self) -> None:
        self.app.pop_screen()

    def go_next(self) -> None:
        self.app.exit(0)
