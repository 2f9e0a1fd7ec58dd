"""Step 6: every step with its commands, every file with its diff; the point of no return."""

from __future__ import annotations

import shlex

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ffwizard.ui.screens.base import WizardScreen
from ffwizard.ui.widgets.diff_view import DiffView


class ReviewScreen(WizardScreen):
    STEP = 5
    TITLE_TEXT = "Review"
    NEXT_LABEL = "Apply…"
    HELP = ("Every step ffwizard will run, with its exact commands and the diff of every file "
            "it writes. Steps before the marked point of no return can be rolled back to "
            "byte-identical files. Apply asks for a confirmation before anything starts.")

    def compose_body(self) -> ComposeResult:
        yield Static("Review the plan", classes="screen-title")
        yield Static("Building the plan…", id="plan-status", classes="muted")
        yield Vertical(id="steps")

    def on_mount(self) -> None:
        self.query_one("#next").disabled = True
        self.build()

    @work(thread=True, exclusive=True, group="plan")
    def build(self) -> None:
        from ffwizard.ui.state import build_wizard_plan

        try:
            plan = build_wizard_plan(self.app.state)
        except Exception as err:  # a calm message, never a traceback
            self.app.call_from_thread(self.say, f"could not build the plan: {err}", error=True)
            return
        self.app.call_from_thread(self.show_plan, plan)

    def show_plan(self, plan) -> None:
        self.app.state.plan = plan
        container = self.query_one("#steps", Vertical)
        errors = [p for p in plan.problems if p.severity == "error"]
        status = self.query_one("#plan-status", Static)
        answers = plan.answers
        status.update(
            f"{len(plan.steps)} steps. Models: "
            + ", ".join(f"{k} → {m}" for k, m in answers.models.items())
            + f". New shards: {', '.join(s.name for s in plan.new_shards[:3])}"
            + ("…" if len(plan.new_shards) > 3 else "") + f". Backup: {answers.backup_dir}.")
        widgets = []
        if errors:
            widgets.append(Static(Content.assemble(*[(f"✗ {p}\n", "bold $text-error")
                                                     for p in errors]), classes="problem"))
        for index, step in enumerate(plan.steps, 1):
            if step.point_of_no_return:
                widgets.append(Static(
                    "━━ POINT OF NO RETURN ━━ from here on, rollback is impossible; "
                    "ffwizard asks again before this step.", classes="no-return"))
            title = Content.assemble((f"{index}. {step.title}", "bold"),
                                     ("" if step.reversible else "  (cannot be undone)",
                                      "$text-warning"))
            widgets.append(Static(title, classes="step-title"))
            text = step.explanation
            if step.undo:
                text += f"\nUndo: {step.undo}"
            widgets.append(Static(text, classes="step-text"))
            for argv in step.commands:
                widgets.append(Static(Content("$ " + shlex.join(argv)), classes="command"))
            for change in step.changes:
                widgets.append(Static(Content.assemble(("file ", "$text-muted"),
                                                       (change.label, "bold")),
                                      classes="file-label"))
                widgets.append(DiffView(change.diff()))
        container.mount_all(widgets)
        if errors:
            self.say(f"{len(errors)} problem(s) block the plan: go Back and fix them.",
                     error=True)
        else:
            self.query_one("#next").disabled = False
            self.say("")
            self.query_one("#next").focus()

    def go_next(self) -> None:
        from ffwizard.ui.screens.dialogs import Choice
        from ffwizard.ui.screens.run import RunScreen

        plan = self.app.state.plan
        if plan is None or plan.blocked:
            return
        pnr = next((i for i, s in enumerate(plan.steps, 1) if s.point_of_no_return), None)
        text = (f"ffwizard will now change the installation: {len(plan.steps)} steps, backups "
                f"first. Steps 1–{(pnr or len(plan.steps) + 1) - 1} can be rolled back; "
                f"it asks once more before the old shards stop and sf-api is switched (step "
                f"{pnr}, the point of no return)."
                if pnr else f"ffwizard will now run {len(plan.steps)} steps, backups first.")

        def answered(answer: str | None) -> None:
            if answer == "start":
                self.app.push_screen(RunScreen(plan=plan))

        self.app.push_screen(Choice("Start the migration?", text,
                                    [("cancel", "Cancel"), ("start", "Start the migration")]),
                             answered)
