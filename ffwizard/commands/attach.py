"""`ffwizard attach`: follow a running migration from any terminal (after a dropped SSH
session, for instance): its steps, the migration tool's output and progress. Ctrl+C detaches;
the migration keeps running."""

from __future__ import annotations

import argparse
import time

from ffwizard import session
from ffwizard.commands.runcommon import add_root, next_hint, render_status, say
from ffwizard.core import detached
from ffwizard.core.errors import UserError
from ffwizard.core.progress import ProgressMeter
from ffwizard.core.report import status_word
from ffwizard.core.stall import with_stall
from ffwizard.core.steps import step_title
from ffwizard.i18n import N_, _

# What a journal event reads as in the followed output (the journal keeps the codes).
EVENT_WORDS = {
    "step_started": N_("started: {step}"), "step_done": N_("done: {step}"),
    "step_failed": N_("failed: {step}"), "step_undone": N_("undone: {step}"),
    "run_done": N_("run done"), "run_stopped": N_("run stopped"), "run_failed": N_("run failed"),
    "rollback_done": N_("rollback done"),
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "attach", help=_("follow the running migration's output and progress"),
        description=_("Follow the current run: new steps as they start and end, the migration "
                      "tool's output and objects copied so far with rate and ETA. Ctrl+C "
                      "detaches without stopping anything."))
    add_root(parser)
    parser.add_argument("--interval", type=float, default=5.0, metavar=_("SECONDS"),
                        help=_("seconds between progress lines"))
    parser.add_argument("--stop-migration", action="store_true",
                        help=_("stop the running migration tool instead of following it (then "
                               "'ffwizard resume --rerun-migration' or 'ffwizard rollback')"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # lazy: the run's status (the lock, the journal's reader) only when the command runs, not
    # for `ffwizard --help`, which registers every command
    from ffwizard.core.runstatus import migration_progress, read_status

    root = args.root.resolve()
    status = read_status(root)
    if status is None or not status.current:
        if status is None:
            raise UserError(_("no migration run is under way at {root}.").format(root=root))
        raise UserError(_("no migration run is under way at {root} (the last one is {status}; "
                          "see 'ffwizard status').").format(
            root=root, status=status_word(status.status)))
    if args.stop_migration:
        return stop_migration(status, root)
    runtime = session.runtime_for_run(root, status.run)
    say(render_status(status).rstrip("\n"))
    seen_events = len(status.run.journal.events())
    log_offset = 0
    meter = None
    try:
        while True:
            # The migration tool's output, as it grows.
            try:
                with open(status.run.log, "rb") as handle:
                    handle.seek(log_offset)
                    chunk = handle.read()
                    log_offset += len(chunk)
                for line in chunk.decode("utf-8", "replace").splitlines():
                    say("  | " + line)
            except FileNotFoundError:
                pass
            # Steps starting and ending (another process runs them).
            events = status.run.journal.events()
            for event in events[seen_events:]:
                step_id = event.get("step")
                title = (step_title(status.plan.step(step_id))
                         if step_id and status.plan.has(step_id) else "")
                words = EVENT_WORDS.get(event["event"])
                if words:
                    say(_(words).format(step=title))
            seen_events = len(events)
            status = read_status(root)
            if status is None:
                break
            if status.migration.state == "running":
                progress = migration_progress(status, runtime)
                if progress is not None:
                    meter = meter or ProgressMeter(progress[1])
                    sample = with_stall(meter.update(progress[0]), status.run.path,
                                        args.settings.stall_seconds)
                    say(_("progress: {progress}").format(progress=sample.describe()))
            elif status.holder is None:
                break  # nothing runs: neither a step nor the migration tool
            time.sleep(args.interval)
    except KeyboardInterrupt:
        say("\n" + _("Detached; the migration keeps running."))
        return 0
    if status is not None:
        say(render_status(status).rstrip("\n"))
        hint = next_hint(status, root)
        if hint:
            say(hint)
    return 0


def stop_migration(status, root) -> int:
    state = detached.read_state(status.run.migration_exit)
    if state is None or not detached.group_alive(state):
        raise UserError(_("the migration tool is not running; see 'ffwizard status'."))
    status.run.journal.append("migration_stopped", pid=state.pid)
    detached.stop(state)
    say(_("Stopped the migration tool (pid {pid}). The new shards hold part of the objects: "
          "start again into emptied shards with 'ffwizard resume --root {root} "
          "--rerun-migration', or undo with 'ffwizard rollback --root {root}'.").format(
        pid=state.pid, root=root))
    return 0
