"""Step 6: every step with its commands, every file with its diff; the point of no return."""

from __future__ import annotations

import shlex

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ffwizard.core.installation import object_type_word
from ffwizard.core.plan import step_title
from ffwizard.i18n import N_, _, ngettext
from ffwizard.ui.screens.base import WizardScreen
from ffwizard.ui.state import build_wizard_plan
from ffwizard.ui.widgets.diff_view import DiffView


def shard_names(shards) -> str:
    """`shard-011, shard-012` or, for more than three, `shard-011…shard-018 (8)`."""
    names = [s.name for s in shards]
    if len(names) > 3:
        return f"{names[0]}…{names[-1]} ({len(names)})"
    return ", ".join(names)


class ReviewScreen(WizardScreen):
    STEP = 5
    TITLE_TEXT = N_("Review")
    NEXT_LABEL = N_("Apply…")
    HELP = N_("Every step ffwizard will run, with its exact commands and the diff of every file "
              "it writes. Steps before the marked point of no return can be rolled back to "
              "byte-identical files. Apply asks for a confirmation before anything starts.")

    def compose_body(self) -> ComposeResult:
        yield Static(_("Review the plan"), classes="screen-title")
        yield Static(_("Building the plan…"), id="plan-status", classes="muted")
        yield Vertical(id="steps")

    def on_mount(self) -> None:
        self.query_one("#next").disabled = True
        self.build()

    @work(thread=True, exclusive=True, group="plan")
    def build(self) -> None:
        try:
            plan = build_wizard_plan(self.app.state)
        except Exception as err:  # a calm message, never a traceback
            self.app.call_from_thread(
                self.say, _("could not build the plan: {error}").format(error=err), error=True)
            return
        self.app.call_from_thread(self.show_plan, plan)

    def show_plan(self, plan) -> None:
        self.app.state.plan = plan
        container = self.query_one("#steps", Vertical)
        errors = [p for p in plan.problems if p.severity == "error"]
        status = self.query_one("#plan-status", Static)
        answers = plan.answers
        count = len(plan.steps)
        status.update(ngettext(
            "{count} step. Models: {models}. New shards: {shards}. Backup: {backup}.",
            "{count} steps. Models: {models}. New shards: {shards}. Backup: {backup}.",
            count).format(
                count=count,
                models=", ".join(f"{object_type_word(k)} → {m}" for k, m in answers.models.items()),
                shards=shard_names(plan.new_shards),
                backup=answers.backup_dir))
        widgets = []
        if errors:
            widgets.append(Static(Content.assemble(*[(f"✗ {p}\n", "bold $text-error")
                                                     for p in errors]), classes="problem"))
        for index, step in enumerate(plan.steps, 1):
            if step.point_of_no_return:
                widgets.append(Static(
                    _("━━ POINT OF NO RETURN ━━ from here on, rollback is impossible; "
                      "ffwizard asks again before this step."), classes="no-return"))
            title = Content.assemble((f"{index}. {step_title(step)}", "bold"),
                                     ("" if step.reversible else "  " + _("(cannot be undone)"),
                                      "$text-warning"))
            widgets.append(Static(title, classes="step-title"))
            text = step.explanation
            if step.undo:
                text += "\n" + _("Undo: {undo}").format(undo=step.undo)
            widgets.append(Static(text, classes="step-text"))
            for argv in step.commands:
                widgets.append(Static(Content("$ " + shlex.join(argv)), classes="command"))
            for change in step.changes:
                # TRANSLATORS: a muted word before the path of a file the step writes.
                widgets.append(Static(Content.assemble((_("file") + " ", "$text-muted"),
                                                       (change.label, "bold")),
                                      classes="file-label"))
                widgets.append(DiffView(change.diff()))
        container.mount_all(widgets)
        if errors:
            self.say(ngettext("{count} problem blocks the plan: go Back and fix them.",
                              "{count} problems block the plan: go Back and fix them.",
                              len(errors)).format(count=len(errors)), error=True)
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
        count = len(plan.steps)
        if pnr:
            text = ngettext(
                "ffwizard will now change the installation: {count} step, backups first. "
                "Steps 1–{last} can be rolled back; it asks once more before the old shards "
                "stop and sf-api is switched (step {pnr}, the point of no return).",
                "ffwizard will now change the installation: {count} steps, backups first. "
                "Steps 1–{last} can be rolled back; it asks once more before the old shards "
                "stop and sf-api is switched (step {pnr}, the point of no return).",
                count).format(count=count, last=pnr - 1, pnr=pnr)
        else:
            text = ngettext("ffwizard will now run {count} step, backups first.",
                            "ffwizard will now run {count} steps, backups first.",
                            count).format(count=count)

        def answered(answer: str | None) -> None:
            if answer == "start":
                self.app.push_screen(RunScreen(plan=plan))

        self.app.push_screen(Choice(_("Start the migration?"), text,
                                    [("cancel", _("Cancel")),
                                     ("start", _("Start the migration"))]),
                             answered)
