"""What the commands share (the commands never import one another): the --root option, printing
the executor's events and a run's status, asking before the point of no return, turning Ctrl+C
into a clean stop."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from ffwizard.core.events import EventKind
from ffwizard.core.progress import format_duration
from ffwizard.core.report import status_word
from ffwizard.core.settings import DEFAULT_ROOT
from ffwizard.core.steps import step_title
from ffwizard.core.steps.count_arrivals import window_text
from ffwizard.i18n import N_, _, current_language, format_count, format_decimal


def add_root(parser) -> None:
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, metavar=_("ROOT"),
                        help=_("install root (default: /opt/findface-multi)"))


def took_over_message(lock) -> str:
    return _("Took over the lock left by {holder} (no longer running).").format(
        holder=lock.took_over.describe())


def say(text: str = "", *, err: bool = False) -> None:
    """Print, surviving a terminal that went away (a dropped SSH session)."""
    try:
        print(text, file=sys.stderr if err else sys.stdout, flush=True)
    except (OSError, ValueError):
        pass


class EventPrinter:
    """Prints executor events as plain lines (progress at most every few seconds off a TTY)."""

    def __init__(self, *, quiet_progress_seconds: float = 10.0):
        self.tty = sys.stdout.isatty()
        self.quiet = quiet_progress_seconds
        self._last_progress = 0.0

    def __call__(self, event) -> None:
        kind = event.kind
        if kind == EventKind.STEP_STARTED:
            say(f"[{event.index}/{event.total}] {event.text}")
        elif kind == EventKind.STEP_SKIPPED:
            say(_("[{index}/{total}] {step}: already done").format(
                index=event.index, total=event.total, step=event.text))
        elif kind == EventKind.STEP_DONE:
            # TRANSLATORS: printed under a step's title when the step has finished.
            say("      " + _("done"))
        elif kind == EventKind.STEP_UNDONE:
            # TRANSLATORS: printed under a step's title when rollback has undone it.
            say("      " + _("undone"))
        elif kind == EventKind.OUTPUT or kind == EventKind.MESSAGE:
            say(f"      {event.text}")
        elif kind == EventKind.PROGRESS:
            now = time.monotonic()
            if self.tty or now - self._last_progress >= self.quiet:
                self._last_progress = now
                say("      " + _("progress: {progress}").format(progress=event.text))
        elif kind == EventKind.STEP_FAILED:
            say("      " + _("FAILED: {error}").format(error=event.text), err=True)
        elif kind == EventKind.RUN_STOPPED:
            say(_("Stopped: {reason}").format(reason=event.text))
        elif kind == EventKind.RUN_DONE:
            say(_("Migration finished. Run directory and report: {path}").format(path=event.text))
        elif kind == EventKind.ROLLBACK_DONE:
            say(_("Rolled back. Run directory and report: {path}").format(path=event.text))


# The answers that confirm the point of no return, in every language (an engineer whose
# terminal cannot type Cyrillic can still answer "yes").
YES_ANSWERS = {"en": ("yes", "y"), "ru": ("да", "д", "yes", "y")}


def is_yes(answer: str) -> bool:
    return answer.strip().lower() in YES_ANSWERS.get(current_language(), YES_ANSWERS["en"])


def make_confirm(root: Path, assume_yes: bool, state: dict):
    """Ask before the point of no return; off a terminal without --yes, stop there."""

    def confirm(step) -> bool:
        if assume_yes:
            return True
        if not sys.stdin.isatty():
            say(_("Next come the old shards' stop and '{step}', the point of no return, and no "
                  "terminal is here to confirm it. Everything before is done and checked; the "
                  "old shards still serve. To continue: ffwizard resume --root {root} --yes   "
                  "(or undo: ffwizard rollback --root {root})").format(step=step_title(step), root=root))
            return False
        say(_("Next, back to back: stop the old shard services, then '{step}'. {explanation}")
            .format(step=step_title(step), explanation=step.explanation))
        if window_text(root):
            say(window_text(root))
        state["prompting"] = True
        try:
            answer = input(_("This is the point of no return. Type 'yes' to continue: "))
        except (EOFError, KeyboardInterrupt, OSError):  # OSError: the terminal hung up
            answer = ""
        finally:
            state["prompting"] = False
        return is_yes(answer)

    return confirm


def install_stop_handlers(executor, state: dict) -> None:
    """First Ctrl+C (or SIGTERM): stop at the next safe point; a second one: at once.

    A dropped SSH session (SIGHUP) does not stop the run: it carries on like `nohup` (output to
    the vanished terminal is dropped), stops before the point of no return unless --yes was
    given, and a new session follows it with `attach`.
    """

    def handler(signum, _frame):
        if state.get("prompting") or state.get("stopping"):
            raise KeyboardInterrupt
        state["stopping"] = True
        executor.request_stop()
        if signum == signal.SIGINT:
            say("\n" + _("Stopping at the next safe point; the migration tool, if running, keeps "
                         "going (ffwizard attach follows it). Ctrl+C again to stop at once."),
                err=True)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def print_outcome(outcome, root: Path) -> int:
    if outcome.status == "failed":
        say(_("ffwizard: the run failed at '{step}': {error}").format(
            step=outcome.step, error=outcome.error), err=True)
        if getattr(outcome, "rerun_needed", False):
            say(_("Continue with 'ffwizard resume --root {root} --rerun-migration' once fixed, "
                  "or undo with 'ffwizard rollback --root {root}'. Details: {path}").format(
                root=root, path=outcome.run_dir), err=True)
        else:
            say(_("Continue with 'ffwizard resume --root {root}' once fixed, or undo with "
                  "'ffwizard rollback --root {root}'. Details: {path}").format(
                root=root, path=outcome.run_dir), err=True)
    elif outcome.status == "stopped":
        say(_("Run stopped at '{step}'. Continue with 'ffwizard resume --root {root}'.").format(
            step=outcome.step, root=root))
    return outcome.exit_code


# --- a run's status (status and attach) ---------------------------------------------------

# The mark in front of each step, by its status code; padded to one width when shown.
# TRANSLATORS: the marks are short (one column in `ffwizard status`); FAILED is in capitals to
# stand out.
MARKS = {"done": N_("done"), "failed": N_("FAILED"), "started": N_("running"), "pending": "",
         "undone": N_("undone"), "stopped": N_("stopped")}



def render_status(status, progress=None, *, stalled: bool = False) -> str:
    """The run's steps and the migration's state; `progress` (done, total) adds the counts,
    with the average rate and time left unless the copy is `stalled` (then neither holds)."""
    out = []
    add = out.append
    words = status_word(status.status)
    if status.status in ("running", "rolling-back") and status.holder is None:
        words = _("interrupted (ffwizard is no longer running)")
    # TRANSLATORS: {runtime} is docker or sim.
    add(_("Run {run_id} ({runtime} runtime): {status}").format(
        run_id=status.run_id, runtime=status.runtime, status=words))
    if status.holder is not None:
        add("  " + _("being run now by {holder}").format(holder=status.holder.describe()))
    add("  " + _("run directory: {path}").format(path=status.run.path))
    marks = {code: _(word) if word else "" for code, word in MARKS.items()}
    width = max(len(mark) for mark in marks.values())
    for number, step in enumerate(status.steps, 1):
        code = step.status
        if code == "started" and status.holder is None:
            code = "stopped"
        mark = marks.get(code, code)
        took = f" ({format_duration(step.seconds)})" if step.seconds is not None else ""
        pnr = "  <- " + _("point of no return") if step.point_of_no_return else ""
        add(f"  [{mark:<{width}}] {number:>2}. {step_title(step)}{took}{pnr}")
    m = status.migration
    if m.state != "not started":
        detail = {"running": _("running (pid {pid})"), "finished": _("finished"),
                  "failed": _("failed (exit status {code})"),
                  "vanished": _("ended without an exit status (pid {pid})")}[m.state]
        add(_("Migration tool: {state}; output in {path}").format(
            state=detail.format(pid=m.pid, code=m.exit_code), path=m.log))
    if progress is not None:
        done, total = progress
        share = f" ({done / total:.0%})" if total else ""
        line = _("objects in the new shards: {done} of {total}{share}").format(
            done=format_count(done), total=format_count(total), share=share)
        elapsed = time.time() - m.started if m.started else 0
        if done and elapsed > 0 and not stalled:
            rate = done / elapsed  # the average since the start: one look has no recent pace
            if total > done:
                line = _("{progress}, {rate}/s on average, about {left} left").format(
                    progress=line, rate=format_decimal(rate),
                    left=format_duration((total - done) / rate))
            else:
                line = _("{progress}, {rate}/s on average").format(progress=line,
                                                                   rate=format_decimal(rate))
        add("  " + line)
    if status.last_error and status.status in ("failed", "rollback-failed"):
        add(_("Last error: {error}").format(error=status.last_error))
    if status.report.exists():
        add(_("Report: {path}").format(path=status.report))
    return "\n".join(out) + "\n"


def next_hint(status, root) -> str:
    if not status.current:
        return ""
    if status.holder is not None:
        return _("Follow it with: ffwizard attach --root {root}").format(root=root)
    if status.status in ("failed", "stopped", "running", "new"):
        resume = f"ffwizard resume --root {root}"
        # A tool gone without a word is judged by its counts on resume (plain resume).
        failures = [e for e in status.run.state().events if e["event"] == "step_failed"]
        if status.migration.state == "failed" or (
                status.status == "failed" and failures and failures[-1].get("rerun_needed")):
            resume += " --rerun-migration"
        return _("Continue with: {resume}   or undo with: ffwizard rollback --root {root}").format(
            resume=resume, root=root)
    if status.status in ("rolling-back", "rollback-failed"):
        return _("Finish the rollback with: ffwizard rollback --root {root}").format(root=root)
    return ""
