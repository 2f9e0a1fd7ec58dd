"""Step 6: a summary of the plan (what changes, which files, the point of no return), then
every step folded, opened on demand to its commands and the diff of every file it writes."""

from __future__ import annotations

import shlex

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Button, Collapsible, Static

from ffwizard.core.installation import object_type_word
from ffwizard.core.intake import planned_pause
from ffwizard.core.progress import format_duration
from ffwizard.core.reextract import ASSUMED_RATES, Reextract, window_text
from ffwizard.core.steps import step_title
from ffwizard.i18n import N_, _, format_count, ngettext
from ffwizard.ui.palette import BAD, CAUTION
from ffwizard.ui.screens.base import WizardScreen
from ffwizard.ui.screens.dialogs import Choice
from ffwizard.ui.screens.run import RunScreen
from ffwizard.ui.screens.save_answers import SaveAnswers
from ffwizard.ui.state import build_wizard_plan, objects_to_reextract
from ffwizard.ui.widgets.diff_view import DiffView
from ffwizard.ui.widgets.path_text import PathText


def shard_names(shards) -> str:
    """`shard-011, shard-012` or, for more than three, `shard-011…shard-018 (8)`."""
    names = [s.name for s in shards]
    if len(names) > 3:
        return f"{names[0]}…{names[-1]} ({len(names)})"
    return ", ".join(names)


def changed_files(plan) -> list[str]:
    """The files the plan writes, each once, in the order the steps write them."""
    return list(dict.fromkeys(change.label for step in plan.steps for change in step.changes))


class StepFold(Collapsible):
    """One step of the plan, folded to its title; Enter (or a click) opens it."""


class WindowFold(Collapsible):
    """The window of the run, folded to one line (objects to re-extract, intake, about how
    long); opened, what is paused, what the time rests on and each gallery's objects."""


def window_length(found: Reextract | None, paused: bool) -> str:
    """`for about 12m00s (rate measured here)`, `for about 30s–25m00s (a guess)` (intake
    running: `; the window about …`), or empty when the number of objects is unknown."""
    total = found.total if found is not None else None
    if found is None or total is None:
        return ""
    if found.measured is not None:
        duration = format_duration(total / found.measured.rate)
        return (_(" for about {duration} (rate measured here)") if paused
                else _("; the window about {duration} (rate measured here)")).format(
            duration=duration)
    slow, fast = ASSUMED_RATES
    return (_(" for about {fast}–{slow} (a guess)") if paused
            else _("; the window about {fast}–{slow} (a guess)")).format(
        fast=format_duration(total / fast), slow=format_duration(total / slow))


class ReviewScreen(WizardScreen):
    STEP = 5
    TITLE_TEXT = N_("Review")
    NEXT_LABEL = N_("Apply…")
    HELP = N_("A summary first: what changes, which files, the point of no return, and the "
              "window's line: the objects to re-extract (read from the old shards), whether "
              "event intake is paused and for about how long; Enter on it opens what is "
              "paused, what the time rests on and each gallery's objects. Below it every "
              "step ffwizard will run, folded: Tab to a step and Enter opens its exact commands "
              "and the diff of every file it writes; F3 opens (and folds) them all. Steps before "
              "the marked point of no return can be rolled back to byte-identical files. Apply "
              "asks for a confirmation before anything starts.")

    BINDINGS = [
        Binding("f3", "open_all", N_("Open all"), priority=True),
        Binding("f3", "fold_all", N_("Fold all"), priority=True),
        Binding("ctrl+s", "save_answers", N_("Save answers"), priority=True),
        Binding("down", "app.focus_next", show=False),
        Binding("up", "app.focus_previous", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(_("Review the plan"), classes="screen-title")
        yield Static(_("Building the plan…"), id="plan-status", classes="muted")
        yield Vertical(id="summary")
        yield Vertical(id="steps")

    shown_plan = None  # the plan on screen, once built (what "Save answers…" writes)
    # The old shards' objects, once read (None: still reading); apart from the plan, which
    # does not wait for the shards.
    reextract: Reextract | None = None
    reextract_failed: str | None = None  # the worker itself failed (not a shard): why
    window_fold: WindowFold | None = None  # the summary's window line, once made
    window_text: Static  # and what it holds

    def on_mount(self) -> None:
        self.query_one("#next").disabled = True
        save = Button(_("Save answers…"), id="save-answers", compact=True, disabled=True)
        self.query_one("#nav").mount(save, before="#next")
        self.build()
        self.count_objects()

    @work(thread=True, exclusive=True, group="reextract")
    def count_objects(self) -> None:
        """Read the old shards' gallery lists (read-only) off the UI thread."""
        try:
            found = objects_to_reextract(self.app.state)
        except Exception as err:  # a calm sentence, never a traceback
            self.app.call_from_thread(self.show_reextract, None, str(err) or type(err).__name__)
            return
        self.app.call_from_thread(self.show_reextract, found, None)

    def show_reextract(self, found: Reextract | None, failed: str | None) -> None:
        self.reextract, self.reextract_failed = found, failed
        if self.window_fold is None:
            return  # show_plan shows them
        # The widgets themselves, not a query: they may be made but not mounted yet.
        self.window_fold.title = self.window_title()
        self.window_text.update(self.window_body())

    def window_title(self) -> Content:
        """The fold's one line: the objects to re-extract in total, whether intake is paused
        and for about how long (and whether that is measured or a guess)."""
        found, plan = self.reextract, self.shown_plan
        paused = planned_pause(plan) if plan is not None else ()
        parts: list = []
        if found is None and self.reextract_failed is None:
            parts.append((_("Objects to re-extract: reading the old shards…"), "bold"))
        elif found is None or found.counts is None:
            why = self.reextract_failed if found is None else found.why
            # Never a 0 for a shard that did not answer: the number is unknown, and why.
            parts.append((_("Objects to re-extract unknown: {why}").format(why=why),
                          f"bold {CAUTION}"))
        else:
            total = found.total or 0
            parts.append((ngettext("{total} object to re-extract", "{total} objects to "
                                   "re-extract", total).format(total=format_count(total)),
                          "bold"))
        parts.append(" · ")
        parts.append((ngettext("intake paused ({count} service)",
                               "intake paused ({count} services)", len(paused)).format(
            count=len(paused)), f"bold {CAUTION}") if paused else _("intake running"))
        length = window_length(found, bool(paused))
        if length:
            parts.append(length)
        return Content.assemble(*parts)

    def window_body(self) -> Content:
        """Inside the fold: what is paused, the window's length and what it rests on, and the
        objects of each gallery."""
        plan, found = self.shown_plan, self.reextract
        paused = planned_pause(plan) if plan is not None else ()
        if paused:
            lines = [_("Paused: {services} stop before the model switch and start again after "
                       "the sf-api switch (or on rollback).").format(services=", ".join(paused))]
        else:
            lines = [_("Intake running: events that reach the old shards during the copy are "
                       "counted apart and shown before the point of no return.")]
        if found is None and self.reextract_failed is None:
            lines.append(_("The window is timed once the old shards are read."))
        else:
            text = window_text(found)
            lines.append(_("The window: {text}").format(text=text[:1].lower() + text[1:]))
        if found is not None and found.counts:
            lines.append(_("Objects per gallery of the old shards:"))
            width = max(len(name) for name in found.counts)
            lines.extend(f"  {name:<{width}}  {format_count(count):>9}"
                         for name, count in sorted(found.counts.items()))
        return Content("\n".join(lines))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        # Textual calls the step's own handler (Back, Next) after this one by itself: calling it
        # here too opened the start question twice, and Cancel seemed to do nothing.
        if event.button.id == "save-answers":
            event.stop()
            self.action_save_answers()

    def action_save_answers(self) -> None:
        """The plan's answers to a file `ffwizard apply --answers` reads."""
        state = self.app.state
        if self.shown_plan is None:
            return

        def saved(said: str | None) -> None:
            if said:
                self.say(said)

        self.app.push_screen(SaveAnswers(self.shown_plan, state.root), saved)

    @work(thread=True, exclusive=True, group="plan")
    def build(self) -> None:
        try:
            plan = build_wizard_plan(self.app.state)
        except Exception as err:  # a calm message, never a traceback
            self.app.call_from_thread(
                self.say, _("could not build the plan: {error}").format(error=err), error=True)
            return
        self.app.call_from_thread(self.show_plan, plan)

    # --- the summary: what changes, which files, the point of no return -----------------------
    def summary_widgets(self, plan) -> list:
        widgets = []
        files = changed_files(plan)
        if files:
            label = ngettext("Files it changes ({count}):", "Files it changes ({count}):",
                             len(files)).format(count=len(files))
            widgets.append(Static(PathText(Content.assemble(
                (label + " ", "bold"), ", ".join(files))), classes="summary-line"))
        pnr = next((i for i, s in enumerate(plan.steps, 1) if s.point_of_no_return), None)
        if pnr:
            title = step_title(plan.steps[pnr - 1])
            if pnr > 1:
                after = _("steps 1–{last} can be rolled back; ffwizard asks again before step "
                          "{pnr}, and after it nothing can be.").format(last=pnr - 1, pnr=pnr)
            else:
                after = _("nothing can be rolled back after it; ffwizard asks again before it.")
            widgets.append(Static(Content.assemble(
                (_("Point of no return:") + " ", f"bold {CAUTION}"),
                _("step {pnr}, {title}: ").format(pnr=pnr, title=title[:1].lower() + title[1:]),
                after), classes="summary-line"))
        else:
            widgets.append(Static(_("Every step can be rolled back."), classes="summary-line"))
        self.window_text = Static(self.window_body(), id="window-text", classes="step-text")
        self.window_fold = WindowFold(self.window_text, title=self.window_title(), id="window",
                                      classes="step")
        widgets.append(self.window_fold)
        widgets.append(Static(_("Enter on a step opens its commands and diffs; F3 opens all."),
                              classes="muted summary-line"))
        return widgets

    def step_fold(self, index: int, step) -> StepFold:
        body = []
        text = step.explanation
        if step.undo:
            text += "\n" + _("Undo: {undo}").format(undo=step.undo)
        body.append(Static(text, classes="step-text"))
        for argv in step.commands:
            body.append(Static(PathText(Content("$ " + shlex.join(argv))), classes="command"))
        for change in step.changes:
            # TRANSLATORS: a muted word before the path of a file the step writes.
            body.append(Static(PathText(Content.assemble((_("file") + " ", "$text-muted"),
                                                         (change.label, "bold"))),
                               classes="file-label"))
            body.append(DiffView(change.diff()))
        title = Content.assemble(
            (f"{index}. {step_title(step)}", "bold"),
            ("" if step.reversible else "  " + _("(cannot be undone)"), CAUTION),
            ("  " + ngettext("· {count} file", "· {count} files", len(step.changes)).format(
                count=len(step.changes)) if step.changes else "", "$text-muted"))
        return StepFold(*body, title=title, id=f"step-{index}", classes="step")

    def show_plan(self, plan) -> None:
        self.app.state.plan = plan
        self.shown_plan = plan  # before the summary: its intake line reads it
        self.query_one("#save-answers").disabled = False
        self.refresh_bindings()
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
                backup=answers.backup_dir if answers.backup_dir.is_relative_to(plan.root)
                else _("{path} (outside the install root)").format(path=answers.backup_dir)))
        status.remove_class("muted")
        summary = []
        if errors:
            summary.append(Static(Content.assemble(*[(f"✗ {p}\n", f"bold {BAD}")
                                                     for p in errors]), classes="problem"))
        # Warnings the plan holds (a CPU model on a GPU service, today's model again…): said
        # here as `plan` says them, not only on the screen where the choice was made.
        warnings = [p for p in plan.problems if p.severity == "warning"]
        if warnings:
            summary.append(Static(Content.assemble(*[(f"! {p.message}\n", CAUTION)
                                                     for p in warnings]),
                                  classes="problem -warning"))
        summary.extend(self.summary_widgets(plan))
        self.query_one("#summary", Vertical).mount_all(summary)
        widgets = []
        for index, step in enumerate(plan.steps, 1):
            if step.point_of_no_return:
                widgets.append(Static(
                    _("━━ POINT OF NO RETURN ━━ from here on, rollback is impossible; "
                      "ffwizard asks again before this step."), classes="no-return"))
            widgets.append(self.step_fold(index, step))
        self.query_one("#steps", Vertical).mount_all(widgets)
        if errors:
            self.say(ngettext("{count} problem blocks the plan: go Back and fix them.",
                              "{count} problems block the plan: go Back and fix them.",
                              len(errors)).format(count=len(errors)), error=True)
        else:
            self.query_one("#next").disabled = False
            self.say("")
            self.query_one("#next").focus()
        self.refresh_bindings()

    # --- opening and folding every step ------------------------------------------------------
    def folds(self) -> list[Collapsible]:
        """What F3 opens and folds: the window's line (the objects to re-extract) and every
        step, top to bottom."""
        return [*self.query(WindowFold), *self.query(StepFold)]

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        folds = self.folds()
        if action == "open_all":
            return bool(folds) and any(f.collapsed for f in folds)
        if action == "fold_all":
            return bool(folds) and all(not f.collapsed for f in folds)
        if action == "save_answers":
            return self.shown_plan is not None
        return super().check_action(action, parameters)

    def action_open_all(self) -> None:
        folds = self.folds()
        for fold in folds:
            fold.collapsed = False
        # Each fold scrolls itself into view as it opens, the last one winning: show the folds
        # from the focused one (else the first) instead.
        focused = next((f for f in folds if f.has_focus_within), folds[0] if folds else None)
        if focused is not None:
            self.call_after_refresh(self.query_one("#body").scroll_to_widget, focused, top=True,
                                    animate=False)
        self.refresh_bindings()

    def action_fold_all(self) -> None:
        for fold in self.folds():
            fold.collapsed = True
        self.refresh_bindings()

    def on_collapsible_toggled(self, event: Collapsible.Toggled) -> None:
        self.refresh_bindings()

    def go_next(self) -> None:
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
