"""What apply, resume, rollback, status and attach share: opening a run's runtime, printing the
executor's events, asking before the point of no return, turning Ctrl+C into a clean stop."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from ffwizard.i18n import _

DEFAULT_ROOT = Path("/opt/findface-multi")


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


def runtime_for_run(root: Path, run_dir):
    """The runtime the run was started with (recorded in run.json), for the same project."""
    from ffwizard.core.plan import Plan
    from ffwizard.runtime import open_runtime

    kind = run_dir.info()["runtime"]
    summary = Plan.load(run_dir.path).summary
    compose_file = Path(summary.compose_file or Path(root) / "docker-compose.yaml")
    return open_runtime(kind, Path(root), summary.project, compose_file)


class EventPrinter:
    """Prints executor events as plain lines (progress at most every few seconds off a TTY)."""

    def __init__(self, *, quiet_progress_seconds: float = 10.0):
        self.tty = sys.stdout.isatty()
        self.quiet = quiet_progress_seconds
        self._last_progress = 0.0

    def __call__(self, event) -> None:
        import time

        kind = event.kind
        if kind == "step_started":
            say(f"[{event.index}/{event.total}] {event.text}")
        elif kind == "step_skipped":
            say(_("[{index}/{total}] {step}: already done").format(
                index=event.index, total=event.total, step=event.text))
        elif kind == "step_done":
            # TRANSLATORS: printed under a step's title when the step has finished.
            say("      " + _("done"))
        elif kind == "step_undone":
            # TRANSLATORS: printed under a step's title when rollback has undone it.
            say("      " + _("undone"))
        elif kind == "output" or kind == "message":
            say(f"      {event.text}")
        elif kind == "progress":
            now = time.monotonic()
            if self.tty or now - self._last_progress >= self.quiet:
                self._last_progress = now
                say("      " + _("progress: {progress}").format(progress=event.text))
        elif kind == "step_failed":
            say("      " + _("FAILED: {error}").format(error=event.text), err=True)
        elif kind == "run_stopped":
            say(_("Stopped: {reason}").format(reason=event.text))
        elif kind == "run_done":
            say(_("Migration finished. Run directory and report: {path}").format(path=event.text))
        elif kind == "rollback_done":
            say(_("Rolled back. Run directory and report: {path}").format(path=event.text))


# The answers that confirm the point of no return, in every language (an engineer whose
# terminal cannot type Cyrillic can still answer "yes").
YES_ANSWERS = {"en": ("yes", "y"), "ru": ("да", "д", "yes", "y")}


def is_yes(answer: str) -> bool:
    from ffwizard.i18n import current_language

    return answer.strip().lower() in YES_ANSWERS.get(current_language(), YES_ANSWERS["en"])


def make_confirm(root: Path, assume_yes: bool, state: dict):
    """Ask before the point of no return; off a terminal without --yes, stop there."""

    def confirm(step) -> bool:
        from ffwizard.core.plan import step_title

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
        say(_("Continue with 'ffwizard resume --root {root}' once fixed, or undo with "
              "'ffwizard rollback --root {root}'. Details: {path}").format(
            root=root, path=outcome.run_dir), err=True)
    elif outcome.status == "stopped":
        say(_("Run stopped at '{step}'. Continue with 'ffwizard resume --root {root}'.").format(
            step=outcome.step, root=root))
    return outcome.exit_code
