"""`ffwizard status`: where the current (or last) migration run is, and what to do next."""

from __future__ import annotations

import argparse

from ffwizard.commands.runcommon import add_root

MARKS = {"done": "done   ", "failed": "FAILED ", "started": "running" , "pending": "       ",
         "undone": "undone "}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "status", help="show the current (or last) migration run",
        description="Show the steps of the current or last run, the migration's progress, the "
                    "last lines of its output, and what to do next. Changes nothing.")
    add_root(parser)
    parser.set_defaults(func=run)


def render_status(status, progress=None) -> str:
    from ffwizard.core.progress import format_duration
    from ffwizard.core.report import STATUS_WORDS

    out = []
    add = out.append
    words = STATUS_WORDS.get(status.status, status.status)
    if status.status in ("running", "rolling-back") and status.holder is None:
        words = "interrupted (ffwizard is no longer running)"
    add(f"Run {status.run_id} ({status.runtime} runtime): {words}")
    if status.holder is not None:
        add(f"  being run now by {status.holder.describe()}")
    add(f"  run directory: {status.run.path}")
    for number, step in enumerate(status.steps, 1):
        mark = MARKS.get(step.status, step.status)
        if step.status == "started" and status.holder is None:
            mark = "stopped"
        took = f" ({format_duration(step.seconds)})" if step.seconds is not None else ""
        pnr = "  <- point of no return" if step.point_of_no_return else ""
        add(f"  [{mark}] {number:>2}. {step.title}{took}{pnr}")
    m = status.migration
    if m.state != "not started":
        detail = {"running": f"running (pid {m.pid})", "finished": "finished",
                  "failed": f"failed (exit status {m.exit_code})",
                  "vanished": f"ended without an exit status (pid {m.pid})"}[m.state]
        add(f"Migration tool: {detail}; output in {m.log}")
    if progress is not None:
        import time

        done, total = progress
        share = f" ({done / total:.0%})" if total else ""
        line = f"  objects in the new shards: {done} of {total}{share}"
        elapsed = time.time() - m.started if m.started else 0
        if done and elapsed > 0:
            rate = done / elapsed  # the average since the start: one look has no recent pace
            line += f", {rate:.1f}/s on average"
            if total > done:
                line += f", about {format_duration((total - done) / rate)} left"
        add(line)
    if status.last_error and status.status in ("failed", "rollback-failed"):
        add("Last error: " + status.last_error)
    if status.report.exists():
        add(f"Report: {status.report}")
    return "\n".join(out) + "\n"


def next_hint(status, root) -> str:
    if not status.current:
        return ""
    if status.holder is not None:
        return f"Follow it with: ffwizard attach --root {root}"
    if status.status in ("failed", "stopped", "running", "new"):
        hint = f"Continue with: ffwizard resume --root {root}"
        if status.migration.state in ("failed", "vanished"):
            hint += f" --rerun-migration"
        return hint + f"   or undo with: ffwizard rollback --root {root}"
    if status.status in ("rolling-back", "rollback-failed"):
        return f"Finish the rollback with: ffwizard rollback --root {root}"
    return ""


def run(args: argparse.Namespace) -> int:
    from ffwizard.commands.runcommon import runtime_for_run, say
    from ffwizard.core.errors import UserError
    from ffwizard.core.runstatus import log_tail, migration_progress, read_status

    root = args.root.resolve()
    status = read_status(root)
    if status is None:
        say(f"No migration run at {root} yet. Start one with: ffwizard apply --root {root} "
            f"--answers FILE")
        return 0
    progress = None
    if status.migration.state == "running":
        try:
            progress = migration_progress(status, runtime_for_run(root, status.run))
        except UserError:
            progress = None
    say(render_status(status, progress).rstrip("\n"))
    if status.migration.state in ("running", "failed", "vanished"):
        lines = log_tail(status, 5)
        if lines:
            say("Last output of the migration tool:")
            for line in lines.splitlines():
                say("  " + line)
    hint = next_hint(status, root)
    if hint:
        say(hint)
    return 0
