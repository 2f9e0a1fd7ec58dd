"""Step 8: the verification per gallery, where the report and backups are, what to keep."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Label, Static

from ffwizard.core.journal import RunDir
from ffwizard.core.steps.verify_copy import copy_counts
from ffwizard.core.steps.verify_final import final_counts
from ffwizard.i18n import N_, _, format_count
from ffwizard.ui.palette import BAD, GOOD
from ffwizard.ui.screens.base import WizardScreen


def verification_rows(run_dir: Path) -> tuple[Content, bool]:
    """Per gallery: objects before, copied, and now (from the run's journal)."""
    state = RunDir(run_dir).state()
    copy = copy_counts(state.data)
    final = final_counts(state.data)
    old = copy.get("old_counts") or {}
    new = copy.get("new_counts") or {}
    now = final.get("final_counts") or new
    # TRANSLATORS: column headings of the verification table (galleries, objects in the old
    # shards, in the new shards, and now); the columns widen to fit them.
    heads = [_("gallery"), _("old shards"), _("new shards"), _("now")]
    # Three spaces at least between right-aligned headings, or two read as one phrase.
    widths = [max(24, len(heads[0]) + 1), max(11, len(heads[1]) + 3),
              max(11, len(heads[2]) + 3), max(9, len(heads[3]) + 3)]

    def row(name: str, *counts: int) -> str:
        return f"{name:<{widths[0]}}" + "".join(
            f"{format_count(count):>{width}}" for count, width in zip(counts, widths[1:]))

    parts: list = [("  " + f"{heads[0]:<{widths[0]}}" + "".join(
        f"{head:>{width}}" for head, width in zip(heads[1:], widths[1:])) + "\n", "bold")]
    all_ok = bool(old)
    for name in sorted(set(old) | set(new)):
        ok = old.get(name, 0) == new.get(name, 0) and now.get(name, 0) >= new.get(name, 0)
        all_ok = all_ok and ok
        parts.append(("✓ " if ok else "✗ ", GOOD if ok else f"bold {BAD}"))
        parts.append(row(name, old.get(name, 0), new.get(name, 0), now.get(name, 0)) + "\n")
    # TRANSLATORS: the last row of the verification table, the sums of the columns.
    parts.append(("  " + row(_("total"), sum(old.values()), sum(new.values()),
                             sum(now.values())) + "\n", "bold"))
    return Content.assemble(*parts).rstrip(), all_ok


class DoneScreen(WizardScreen):
    STEP = 7
    TITLE_TEXT = N_("Done")
    NEXT_LABEL = N_("Quit")
    CAN_GO_BACK = True
    HELP = N_("The migration is finished. The table compares, per gallery, the objects in the old "
              "shards with those copied into the new ones. Keep the old shard directories and "
              "the dump until you are sure; they are the way back.")

    def __init__(self, outcome, run_plan) -> None:
        super().__init__()
        self.outcome = outcome
        self.run_plan = run_plan

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        run_dir = Path(self.outcome.run_dir)
        rows, ok = verification_rows(run_dir)
        yield Static(Content.assemble(
            ("✓ " + _("Migration finished") if ok else _("Migration finished, with differences"),
             f"bold {GOOD}" if ok else f"bold {BAD}")), classes="screen-title")
        yield Static(_("Verification: objects per gallery"), classes="section")
        yield Static(rows, id="verification", classes="table")
        summary = self.run_plan.summary if self.run_plan else None
        old = summary.old_shards if summary else ()
        backup = (summary.backup_dir if summary else None) or "?"
        report = run_dir / "report.md"
        yield Static(_("Where things are"), classes="section")
        with Vertical(id="where", classes="para"):
            run_files = _("{path} (journal, logs, backups of the files changed)").format(
                path=state.show_path(run_dir))
            for label, value in ((_("Report"), state.show_path(report)),
                                 (_("Run files"), run_files),
                                 (_("Database dump"), str(backup))):
                with Horizontal(classes="fact"):
                    yield Label(label, classes="field-label fact-label")
                    yield Static(value, classes="fact-value")
        dirs = [s.data_dir for s in old if s.data_dir]
        shown = ", ".join(Path(d).name for d in dirs[:4]) + (" …" if len(dirs) > 4 else "")
        parent = str(Path(dirs[0]).parent) if dirs else "?"
        yield Static(_("What to keep"), classes="section")
        yield Static(
            _("Keep the old shard data ({shards} in {parent}) and the dump until FindFace has "
              "worked with the new model for a while (a week is a good rule): they are the only "
              "way back. ffwizard never deletes them; after that, they may be deleted by hand. "
              "The old shard services are already stopped.").format(shards=shown, parent=parent),
            id="keep", classes="para")

    def action_back(self) -> None:
        self.app.pop_screen()

    def go_next(self) -> None:
        self.app.exit(0)

    def quit_question(self) -> str:
        """What Ctrl+Q says here (the wizard's default, "nothing has been changed", is untrue
        after a run)."""
        report = Path(self.outcome.run_dir) / "report.md"
        return _("The migration is finished. Its report stays at {path}.").format(
            path=self.app.state.show_path(report))
