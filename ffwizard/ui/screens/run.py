"""Step 7: the run. Steps and their state, the live output, progress with rate and ETA.

The executor runs in a thread worker of this screen; its events come back through
`call_from_thread` (steps, progress) or straight into the log pane's thread-safe buffer (output
lines). Re-opening ffwizard on an unfinished run lands here (`attach=True`): a run cut short is
continued, one another ffwizard is running is followed, a stopped or failed one waits for a choice.
"""

from __future__ import annotations

import threading
import time
from functools import partial
from pathlib import Path

from rich.cells import cell_len
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Static
from textual.worker import get_current_worker

from ffwizard import session
from ffwizard.core.errors import PreflightFailed, UserError
from ffwizard.core.events import EventKind, RunStatus, StepStatus
from ffwizard.core.executor import Outcome
from ffwizard.core.progress import ProgressMeter, format_duration, stalled_words
from ffwizard.core.report import status_word
from ffwizard.core.runstatus import migration_progress, migration_state_word, read_status
from ffwizard.core.stall import with_stall
from ffwizard.core.steps import find_kind, step_short_title, step_title
from ffwizard.core.steps.count_arrivals import window_text
from ffwizard.core.steps.run_migration import RunMigration
from ffwizard.i18n import N_, _, format_count, ngettext
from ffwizard.ui.palette import BAD, GOOD
from ffwizard.ui.screens.dialogs import Choice
from ffwizard.ui.screens.done import DoneScreen
from ffwizard.ui.translate import translate_bindings
from ffwizard.ui.widgets.log_pane import LogPane
from ffwizard.ui.widgets.path_text import PathText
from ffwizard.ui.widgets.quiet_line import QuietBar, QuietFields
from ffwizard.ui.widgets.step_header import StepHeader

ICONS = {StepStatus.PENDING: ("○", "$text-muted"), StepStatus.STARTED: ("▶", "bold $text-accent"),
         StepStatus.DONE: ("✓", GOOD), StepStatus.FAILED: ("✗", f"bold {BAD}"),
         StepStatus.UNDONE: ("↺", "$text-warning")}
LOG_TAIL_BYTES = 512 * 1024
# The step list above the output: columns of this many cells (an icon, a number, a short
# title of at most SHORT_TITLE_WIDTH characters and a gap), at most this many of them.
STEP_COLUMN_WIDTH = 34
MAX_STEP_COLUMNS = 3

DEFAULT_STOP_MEANING = N_("ffwizard finishes the current step, records where it stopped and "
                          "stops. Nothing is half-done: you can continue or roll back later.")

# The wizard step that owns what a failed preflight check is about (default: the review).
CHECK_OWNERS = {"ports": "ShardsScreen", "dirs": "ShardsScreen", "memory": "ShardsScreen",
                "models": "ModelsScreen", "disk": "SettingsScreen",
                "runtime": "InstallationScreen", "service": "InstallationScreen",
                "old_shards": "InstallationScreen"}

START_MESSAGES = {
    "apply": N_("Starting…"), "resume": N_("Continuing the run…"),
    "rerun": N_("Emptying the new shards and starting the copy again…"),
    "rollback": N_("Rolling back…"),
}


def objects_progress(done: int, total: int) -> str:
    return ngettext("{done}/{total} object", "{done}/{total} objects", total).format(
        done=format_count(done), total=format_count(total))



class RunScreen(Screen):
    STEP = 6
    TITLE_TEXT = N_("Run")
    HELP = N_("The migration is running: the steps at the top, the live output below them, "
              "progress under it. Ctrl+C asks whether to stop and says what stopping means now. "
              "Closing ffwizard (or losing the SSH session) does not stop the migration tool: "
              "open ffwizard again to follow it.")

    BINDINGS = [
        # Listed only while this window drives a run (check_action). The app's own Ctrl+C
        # still reaches action_interrupt, which asks to quit when there is nothing to stop.
        Binding("ctrl+c", "interrupt", N_("Stop"), priority=True),
        Binding("f6", "full_output", N_("Full output"), priority=True),
        Binding("ctrl+o", "full_output", show=False, priority=True),
        Binding("escape", "nothing", show=False),
    ]

    def __init__(self, *, plan=None, attach: bool = False) -> None:
        super().__init__()
        translate_bindings(self)
        self.plan = plan  # a core Plan for a new run
        self.attach = attach
        self.run_plan = None  # the Plan being run (steps with ids and titles)
        self.step_states: dict[str, str] = {}
        self.current_step: str | None = None
        self.executor = None
        self.outcome = None
        self._run_in_progress = False
        self.following_log = False
        self.log_generation = 0  # one per start: the reader of the tool output it belongs to
        self.log_read_before = False
        self.last_sample = None  # the latest progress sample shown
        self.stall_shown = False  # #run-status says the copy is stalled and what to check
        self.finished = threading.Event()
        self.stop_asked = False  # the user chose Stop here (not a failure)

    # --- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StepHeader(self.STEP, demo=self.app.state.demo)
        yield Static("", id="step-list")
        yield LogPane(max_lines=5000, id="log")
        yield Static("", id="run-status")
        with Horizontal(id="progress-row"):
            yield QuietBar(id="progress")
            yield QuietFields("", id="progress-text")
        with Horizontal(id="nav"):
            yield Button(_("Continue"), id="continue", variant="primary", compact=True)
            yield Button(_("Roll back"), id="rollback", variant="warning", compact=True)
            yield Button(_("Quit"), id="quit", compact=True)
            yield Static("", id="message")
            yield Button(_("Results"), id="results", variant="success", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        # TRANSLATORS: the title of the pane with the live output of the steps.
        self.query_one("#log", LogPane).border_title = _("output")
        self.show_buttons()
        if self.plan is not None:
            self.run_plan = self.plan
            self.step_states = {s.id: StepStatus.PENDING for s in self.run_plan.steps}
            self.render_steps()
            self.start_run("apply")
        else:
            self.open_existing()

    def show_buttons(self, *, choices: bool = False, results: bool = False,
                     rollback: bool = True) -> None:
        self.query_one("#continue").display = choices
        self.query_one("#rollback").display = choices and rollback
        self.query_one("#quit").display = choices or results
        self.query_one("#results").display = results
        if results:
            self.query_one("#results").focus()
        elif choices:
            self.query_one("#continue").focus()

    def set_run_status(self, content) -> None:
        """What the run came to, above the progress row (it replaces a shown stall)."""
        self.query_one("#run-status", Static).update(content)
        self.stall_shown = False

    def say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#message", Static)
        message.update(text)
        message.set_class(error, "-error")

    def render_steps(self) -> None:
        if self.run_plan is None:
            return
        # One entry per step and the point of no return, in as many columns as fit.
        entries: list[list[tuple[str, str]]] = []
        for index, step in enumerate(self.run_plan.steps, 1):
            status = self.step_states.get(step.id, StepStatus.PENDING)
            icon, style = ICONS.get(status, ICONS[StepStatus.PENDING])
            if step.point_of_no_return:
                entries.append([(_("── point of no return ──"), "$text-warning")])
            entries.append([(f"{icon} ", style),
                            (f"{index:>2}. {step_short_title(step)}",
                             "bold" if step.id == self.current_step else "")])
        width = max(1, self.size.width - 2)  # the list's padding
        columns = max(1, min(MAX_STEP_COLUMNS, width // STEP_COLUMN_WIDTH))
        rows = -(-len(entries) // columns)
        parts: list = []
        for row in range(rows):
            line = [entries[column * rows + row] for column in range(columns)
                    if column * rows + row < len(entries)]
            for column, entry in enumerate(line):
                parts.extend(entry)
                if column < len(line) - 1:
                    parts.append(" " * (STEP_COLUMN_WIDTH - sum(cell_len(t) for t, _ in entry)))
            parts.append("\n")
        self.query_one("#step-list", Static).update(Content.assemble(*parts).rstrip())

    def on_resize(self) -> None:
        self.render_steps()  # as many columns as the new width holds

    def on_screen_resume(self) -> None:
        # A dialog was over the output (the pane turned pages under it): Textual paints the
        # rows it uncovers anyway, so show them as the terminal scrolls them.
        self.query_one("#log", LogPane).show_end()

    # --- starting or re-opening a run -----------------------------------------------------------
    def open_existing(self) -> None:
        status = read_status(self.app.state.root)
        if status is None:
            self.say(_("There is no run to show."), error=True)
            return
        self.run_plan = status.plan
        self.step_states = {line.id: line.status for line in status.steps}
        self.render_steps()
        self.follow_log(status.run.log)
        pane = self.query_one("#log", LogPane)
        state = status.migration.state
        pane.add_lines([_("Run {run_id}: {status}; the migration tool is {state}.").format(
            run_id=status.run_id, status=status_word(status.status),
            state=migration_state_word(state))])
        if status.holder is not None:
            self.say(_("Another ffwizard runs it ({holder}): following.").format(
                holder=status.holder.describe()))
            self.observe()
        elif status.status in ("running", "new"):
            # Cut short (a dropped SSH session, a closed terminal): carry on where it was.
            self.start_run("resume")
        else:
            self.offer_choices(status.status, status.last_error)

    def offer_choices(self, status: str, error: str | None) -> None:
        sentences = {RunStatus.STOPPED: N_("The run is stopped."),
                     RunStatus.FAILED: N_("The run failed."),
                     RunStatus.ROLLBACK_FAILED: N_("The rollback stopped.")}
        words = (_(sentences[status]) if status in sentences
                 else _("The run is {status}.").format(status=status_word(status)))
        tool_stopped = status == "stopped" and self.tool_stopped_on_request()
        if tool_stopped:
            words = _("Stopped as you asked, the migration tool too: the new shards hold a "
                      "partial copy.")
        elif status == "stopped" and self.stop_asked:
            words = _("Stopped as you asked.")
        # The whole error (with the tool's last lines) is in the output pane, whose lines are cut
        # at its width: here, wrapped, its first sentence and its last (what to do next), and
        # what the buttons below do, where the line beside them is too short.
        lines = [line for line in (error or "").strip().splitlines() if line.strip()]
        first = lines[0] if lines else ""
        pnr = self.run_plan.point_of_no_return if self.run_plan else None
        past = bool(pnr) and self.step_states.get(pnr) not in (StepStatus.PENDING, None)
        choices = (_("Continue, roll back (files restored, old shards kept) or quit.") if not past
                   else _("Past the point of no return: continue to finish."))
        if tool_stopped:
            choices = _("Continue starts the copy again into emptied new shards (their partial "
                        "copy is kept aside); or roll back, or quit.")
        parts = [(words + " ", "bold"), (first[:1].upper() + first[1:], BAD)]
        if len(lines) > 2:
            parts.append(("\n" + _("(The lines between are in the output above; F6 shows it "
                                   "alone, on the whole screen.)"), "$text-muted"))
        if len(lines) > 1:
            parts.append(("\n" + lines[-1].strip(), f"bold {BAD}"))
        parts.append(("\n" + choices, ""))
        self.set_run_status(Content.assemble(*parts))
        self.query_one("#continue", Button).label = (_("Retry") if status == RunStatus.FAILED
                                                     else _("Continue"))
        self.show_buttons(choices=True, rollback=not past)
        self.say("")

    def tool_stopped_on_request(self) -> bool:
        """Whether the run's migration tool was stopped as the user asked (journaled)."""
        run = session.current_run(self.app.state.root)
        return run is not None and RunMigration.stopped_on_request(run.state(),
                                                                   run.migration_exit)

    def start_run(self, how: str) -> None:
        self.stop_asked = False
        self.show_buttons()
        self.show_no_progress(hide=False)
        self.set_run_status("")
        self.running = True
        # A start after a stop (Continue, Retry, roll back) follows the tool's output anew:
        # the reader of the previous start ended with it.
        self.log_generation += 1
        self.following_log = False
        self.finished.clear()
        self.say(_(START_MESSAGES[how]))
        self.execute(how)

    def follow_log(self, path: Path) -> None:
        if self.following_log:
            return
        self.following_log = True
        generation = self.log_generation

        def until() -> bool:
            # The run ended, or another start has its own reader now.
            return self.finished.is_set() or self.log_generation != generation

        # A reader after an earlier one reads only what comes now: the pane shows the rest.
        tail = 0 if self.log_read_before else LOG_TAIL_BYTES
        self.log_read_before = True
        self.query_one("#log", LogPane).follow_file(path, until=until, start_at_tail=tail,
                                                    poll=0.25)

    def end_following(self, generation: int) -> None:
        """Stop the tool output's reader of start `generation` (not a later start's)."""
        if generation == self.log_generation:
            self.finished.set()

    def show_no_progress(self, *, hide: bool) -> None:
        """Forget the last run's numbers: a new start waits for its own, a rollback has none."""
        self.last_sample = None
        self.query_one("#progress", QuietBar).update(total=None, progress=0)
        self.set_progress_text("")
        self.query_one("#progress-row").display = not hide

    def action_full_output(self) -> None:
        """The output pane alone on the screen, the steps hidden (and back)."""
        self.toggle_class("-full-output")
        # Alone on the screen, the output reads like a terminal: the newest line at the
        # bottom, never at the top over empty rows after a page turn.
        self.query_one("#log", LogPane).page_turns = not self.has_class("-full-output")

    # --- the executor, in a thread ---------------------------------------------------------------
    @work(thread=True, exclusive=True, group="executor")
    def execute(self, how: str) -> None:
        state = self.app.state
        root = state.root
        pane = self.query_one("#log", LogPane)
        try:
            runtime = state.runtime or self.runtime_for_existing_run()
            state.runtime = runtime
            with session.lock(root, "wizard"):
                if how == "apply":
                    pane.add_lines([_("Checking the installation is ready…")])
                    executor = session.start_run(
                        root, self.run_plan or self.plan, runtime, settings=state.settings,
                        on_event=self.executor_event, confirm=self.confirm,
                        on_checks=lambda checks: pane.add_lines([f"{'!' if c.warning else '✓'} {c.message}"
                                                                 for c in checks]))
                else:
                    executor = session.reopen_run(root, runtime, settings=state.settings,
                                                  on_event=self.executor_event,
                                                  confirm=self.confirm)
                self.executor = executor
                self.app.call_from_thread(self.refresh_bindings)  # Ctrl+C stops it now
                self.app.call_from_thread(self.follow_log, executor.run_dir.path / "migration.log")
                if how == "rollback":
                    outcome = executor.rollback()
                elif how == "rerun":
                    outcome = executor.rerun_migration()
                else:
                    outcome = executor.run()
        except PreflightFailed as err:
            self.app.call_from_thread(self.preflight_refused, err)
            return
        except UserError as err:
            self.app.call_from_thread(self.run_refused, str(err))
            return
        except Exception as err:  # a calm message, never a traceback
            self.app.call_from_thread(self.run_refused,
                                      _("unexpected error: {error}").format(error=err))
            return
        self.app.call_from_thread(self.run_ended, outcome)

    def runtime_for_existing_run(self):
        root = self.app.state.root
        return session.runtime_for_run(root, session.last_run(root))

    def executor_event(self, event) -> None:
        """Called by the executor (worker thread)."""
        pane = self.query_one("#log", LogPane)
        kind = event.kind
        if kind == EventKind.OUTPUT:
            pane.add_lines(event.text.splitlines() or [""])
            return
        if kind == EventKind.STEP_STARTED:
            pane.add_lines([f"▶ [{event.index}/{event.total}] {self.event_title(event)}"])
        elif kind == EventKind.STEP_DONE:
            # TRANSLATORS: under a step in the output pane: the step is done.
            pane.add_lines(["  ✓ " + _("done")])
        elif kind == EventKind.STEP_FAILED:
            pane.add_lines([f"  ✗ {line}" for line in event.text.splitlines()])
        elif kind == EventKind.MESSAGE:
            pane.add_lines([f"  {event.text}"])
        elif kind == EventKind.STEP_UNDONE:
            pane.add_lines(["  ↺ " + _("undone: {what}").format(what=event.text)])
        elif kind == EventKind.RUN_DONE:
            pane.add_lines(["✓ " + _("Finished: every step done and verified.")])
        elif kind == EventKind.ROLLBACK_DONE:
            pane.add_lines(["↺ " + _("Rolled back.")])
        elif kind == EventKind.RUN_STOPPED:
            pane.add_lines([_("Stopped: {reason}").format(reason=event.text)])
        if kind != EventKind.MESSAGE:
            self.app.call_from_thread(self.apply_event, event)

    def event_title(self, event) -> str:
        """The title of an event's step in the current language (the event carries the one
        of the language the run was planned in)."""
        if event.step and self.run_plan is not None and self.run_plan.has(event.step):
            return step_title(self.run_plan.step(event.step))
        return event.text

    def apply_event(self, event) -> None:
        kind, step = event.kind, event.step
        if kind == EventKind.STEP_STARTED and step:
            self.current_step = step
            self.step_states[step] = StepStatus.STARTED
            self.say(_("Step {index} of {total}: {title}. Ctrl+C to stop.").format(
                index=event.index, total=event.total, title=self.event_title(event)))
        elif kind in (EventKind.STEP_DONE, EventKind.STEP_SKIPPED) and step:
            self.step_states[step] = StepStatus.DONE
        elif kind == EventKind.STEP_FAILED and step:
            self.step_states[step] = StepStatus.FAILED
        elif kind == EventKind.STEP_UNDONE and step:
            self.step_states[step] = StepStatus.UNDONE
        elif kind == EventKind.PROGRESS and event.progress is not None:
            self.show_progress(event.progress)
            return
        self.render_steps()

    def show_progress(self, sample) -> None:
        bar = self.query_one("#progress", QuietBar)
        bar.update(total=max(sample.total, 1), progress=min(sample.done, sample.total))
        self.last_sample = sample
        text = objects_progress(sample.done, sample.total)
        stalled_for = getattr(sample, "stalled_for", None)
        if stalled_for is not None:
            # The progress row is one line: the word and how long there, and the whole of
            # what it means and what to check above it, wrapped (at 80 columns the sentence
            # was cut after "Check the migration tool").
            # TRANSLATORS: beside the object count when the copy makes no progress.
            text += " · " + _("stalled for {duration}").format(
                duration=format_duration(stalled_for))
            if not self.finished.is_set():  # no outcome shown there yet
                advice = stalled_words(stalled_for)
                self.query_one("#run-status", Static).update(Content.assemble(
                    ("! " + advice[:1].upper() + advice[1:], "bold $text-warning")))
                self.stall_shown = True
        elif self.stall_shown:
            self.query_one("#run-status", Static).update("")
            self.stall_shown = False
        # Once every object is copied, a rate and a time left no longer mean anything; nor
        # do they while nothing is copied.
        if (not self.app.state.frozen and sample.done < sample.total
                and stalled_for is None):
            if sample.rate:
                # TRANSLATORS: the copy rate in objects per second.
                text += " · " + _("{rate}/s").format(rate=format_count(round(sample.rate)))
            if sample.eta_seconds is not None:
                # TRANSLATORS: the time the copy still needs (estimated time of arrival).
                text += " · " + _("ETA {duration}").format(
                    duration=format_duration(sample.eta_seconds))
        self.set_progress_text(text)

    def set_progress_text(self, text: str) -> None:
        """Show `text` beside the progress bar: only the characters that changed are sent
        (a text of another width lays the row out again)."""
        self.query_one("#progress-text", QuietFields).update(text)

    def confirm(self, step) -> bool:
        """The point of no return (worker thread): ask on screen, wait for the answer."""
        answer: dict = {}
        answered = threading.Event()

        def ask() -> None:
            def done(value) -> None:
                answer["value"] = value
                answered.set()

            title = step_title(step)
            # TRANSLATORS: {step} is the next step's title with a lowercase first letter.
            first = _("Next, back to back: stop the old shard services, then {step}.").format(
                step=title[:1].lower() + title[1:])
            window = window_text(self.app.state.root)
            self.app.push_screen(Choice(
                _("The point of no return"),
                f"{first} {step.explanation}\n\n" + (window + "\n\n" if window else "")
                + _("Everything so far is done and checked, and the old shards serve until you "
                    "answer. This can still be rolled back; after the switch it cannot."),
                [("stop", _("Stop here")), ("continue", _("Continue"))]), done)

        self.app.call_from_thread(ask)
        worker = get_current_worker()
        while not answered.wait(0.2):
            if worker.is_cancelled:
                return False
        return answer.get("value") == "continue"

    # --- outcomes (UI thread) ----------------------------------------------------------------
    def run_refused(self, message: str) -> None:
        self.running = False
        self.finished.set()
        # TRANSLATORS: in bold before the reason the run could not start or go on.
        self.set_run_status(
            Content.assemble((_("Could not run:") + " ", f"bold {BAD}"), message))
        self.query_one("#continue", Button).label = _("Retry")
        self.show_buttons(choices=True, rollback=self.executor is not None)
        self.say(_("Nothing more was changed."), error=True)

    def preflight_refused(self, err: PreflightFailed) -> None:
        """Nothing ran: back to the step that owns the first failed check, edits kept."""
        self.running = False
        self.finished.set()
        owner = CHECK_OWNERS.get(err.failures[0].name if err.failures else "", "ReviewScreen")
        names = [type(screen).__name__ for screen in self.app.screen_stack]
        if owner not in names:
            owner = "ReviewScreen" if "ReviewScreen" in names else ""
        if not owner:
            self.run_refused(str(err))
            return
        while type(self.app.screen).__name__ != owner:
            self.app.pop_screen()
        # TRANSLATORS: in the step the run sends the user back to; the failed checks follow.
        self.app.screen.show_refusal(_("The migration did not start, nothing was changed:")
                                     + "\n" + "\n".join(f"  - {c.message}"
                                                          for c in err.failures))

    def run_ended(self, outcome) -> None:
        self.running = False
        self.outcome = outcome
        # Let the log reader take the last lines, then stop it.
        self.set_timer(0.6, partial(self.end_following, self.log_generation))
        self.current_step = outcome.step
        self.render_steps()
        status = outcome.status
        sample = self.last_sample
        if status == RunStatus.ROLLED_BACK:
            self.show_no_progress(hide=True)  # the new shards and their copy are gone
        elif sample is not None and status != RunStatus.DONE:
            # The copy is not going on here: its numbers are those of the moment the run ended.
            self.set_progress_text(
                (_("{progress} when the run failed") if status == RunStatus.FAILED
                 else _("{progress} when the run stopped")).format(
                    progress=objects_progress(sample.done, sample.total)))
        if status == RunStatus.DONE:
            if sample is not None:
                self.set_progress_text(ngettext(
                    "{done}/{total} object copied", "{done}/{total} objects copied",
                    sample.total).format(done=format_count(sample.done),
                                         total=format_count(sample.total)))
            report = self.app.state.show_path(Path(outcome.run_dir) / "report.md")
            # A long report path is cut after a '/', never inside a name.
            self.set_run_status(PathText(Content.assemble(
                ("✓ " + _("The migration is finished and verified.") + " ", f"bold {GOOD}"),
                _("Report: {path}").format(path=report)), indent=0))
            self.show_buttons(results=True)
            self.say("")
        elif status == RunStatus.ROLLED_BACK:
            # TRANSLATORS: one sentence in two styles: "Rolled back:" in bold, then the rest.
            self.set_run_status(Content.assemble(
                ("↺ " + _("Rolled back:") + " ", "bold $text-warning"),
                _("every changed file is restored and the new shards are removed; the old shards "
                  "and the backup are untouched.")))
            self.show_buttons(results=False)
            self.query_one("#quit").display = True
            self.query_one("#quit").focus()
            self.say("")
        else:
            self.offer_choices(RunStatus.FAILED if status == RunStatus.FAILED else RunStatus.STOPPED,
                               outcome.error)

    # --- buttons and keys -------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id
        if button == "continue":
            step = self.outcome.step if self.outcome else None
            retry_copy = (self.outcome is not None and self.outcome.status == RunStatus.FAILED
                          and getattr(find_kind(step), "retry_reruns_migration", False))
            self.start_run("rerun" if retry_copy else "resume")
        elif button == "rollback":
            self.confirm_rollback()
        elif button == "quit":
            self.app.exit(0)
        elif button == "results":
            self.app.push_screen(DoneScreen(self.outcome, self.run_plan))

    def confirm_rollback(self) -> None:
        def answered(answer: str | None) -> None:
            if answer == "rollback":
                self.start_run("rollback")

        self.app.push_screen(Choice(
            _("Roll back?"), _("Every file ffwizard changed is restored from its backup, the new "
                               "shard services are removed and the extraction model is switched "
                               "back. The old shards, their data and the database dump stay as "
                               "they are."),
            [("keep", _("Keep as is")), ("rollback", _("Roll back"))]), answered)

    def action_nothing(self) -> None:
        if not self.running and self.executor is None and self.plan is not None:
            self.app.pop_screen()  # nothing ran: back to the review
            return
        self.say(_("The run has started: no going back. Ctrl+C to stop."))

    @property
    def running(self) -> bool:
        return self._run_in_progress

    @running.setter
    def running(self, value: bool) -> None:
        self._run_in_progress = value
        if self.is_mounted:
            self.refresh_bindings()  # the footer offers Stop only while there is a run to stop

    @property
    def stoppable(self) -> bool:
        """Whether this window drives a run now (Ctrl+C asks how to stop it)."""
        return self.running and self.executor is not None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # "Stop" over a finished run, or one another ffwizard drives, would not be true.
        return self.stoppable if action == "interrupt" else True

    def action_interrupt(self) -> None:
        if not self.stoppable:
            self.app.action_quit_wizard()
            return
        step = self.current_step
        if step and self.run_plan.has(step):
            question = _("Stop during '{step}'?").format(step=step_title(self.run_plan.step(step)))
        else:
            question = _("Stop during 'this step'?")
        kind = find_kind(step)
        meaning = _(kind.stop_meaning if kind and kind.stop_meaning else DEFAULT_STOP_MEANING)
        answers = [("keep", _("Keep running")), ("stop", _("Stop"))]
        if kind is not None and kind.stops_a_tool:
            answers.append(("stop-tool", _("Stop the tool too")))

        def answered(answer: str | None) -> None:
            if answer in ("stop", "stop-tool") and self.executor is not None:
                self.stop_asked = True
                self.executor.request_stop(stop_migration=answer == "stop-tool")
                self.say(_("Stopping at the next safe point…"))

        self.app.push_screen(Choice(question, meaning, answers), answered)

    def quit_question(self) -> str:
        if self.running:
            return _("The run goes on without this window only for the migration tool itself; "
                     "the steps after it wait until you open ffwizard again, which continues "
                     "where it stopped.")
        return _("Nothing is running now. Open ffwizard again at any time to see this run.")

    # --- following a run another process drives -------------------------------------------------
    @work(thread=True, exclusive=True, group="observe")
    def observe(self) -> None:
        worker = get_current_worker()
        meter = None
        runtime = None
        while not worker.is_cancelled:
            status = read_status(self.app.state.root)
            if status is None:
                break
            sample = None
            if status.migration.state == "running":
                try:
                    runtime = runtime or self.runtime_for_existing_run()
                    counts = migration_progress(status, runtime)
                except UserError:
                    counts = None
                if counts is not None:
                    meter = meter or ProgressMeter(counts[1])
                    # Stalled or not, as the process that runs the copy would say.
                    sample = with_stall(meter.update(counts[0]), status.run.path,
                                        self.app.state.settings.stall_seconds)
            self.app.call_from_thread(self.observed, status, sample)
            if status.holder is None:
                break
            time.sleep(1.0)

    def observed(self, status, sample) -> None:
        self.step_states = {line.id: line.status for line in status.steps}
        self.current_step = next((line.id for line in status.steps if line.status == StepStatus.STARTED),
                                 None)
        self.render_steps()
        if sample is not None:
            self.show_progress(sample)
        if status.holder is None:
            if status.current:
                self.offer_choices(status.status, status.last_error)
            elif status.status == RunStatus.DONE:
                self.finished.set()
                self.outcome = Outcome(RunStatus.DONE, None, None, status.run.path)
                self.set_run_status(Content.assemble(
                    ("✓ " + _("The migration is finished and verified."), f"bold {GOOD}")))
                self.show_buttons(results=True)
                self.say("")
            else:
                self.finished.set()
                self.say(_("The run is {status}.").format(status=status_word(status.status)))
