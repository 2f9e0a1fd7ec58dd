"""`ffwizard attach`: follow a running migration from any terminal (after a dropped SSH
session, for instance): its steps, the migration tool's output and progress. Ctrl+C detaches;
the migration keeps running."""

from __future__ import annotations

import argparse

from ffwizard.commands.runcommon import add_root


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "attach", help="follow the running migration's output and progress",
        description="Follow the current run: new steps as they start and end, the migration "
                    "tool's output and objects copied so far with rate and ETA. Ctrl+C detaches "
                    "without stopping anything.")
    add_root(parser)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between progress lines")
    parser.add_argument("--stop-migration", action="store_true",
                        help="stop the running migration tool instead of following it (then "
                             "'ffwizard resume --rerun-migration' or 'ffwizard rollback')")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    from ffwizard.commands.runcommon import runtime_for_run, say
    from ffwizard.commands.status import next_hint, render_status
    from ffwizard.core.errors import UserError
    from ffwizard.core.progress import ProgressMeter
    from ffwizard.core.runstatus import migration_progress, read_status

    root = args.root.resolve()
    status = read_status(root)
    if status is None or not status.current:
        raise UserError(f"no migration run is under way at {root}"
                        + (f" (the last one is {status.status}; see 'ffwizard status')." if status else "."))
    if args.stop_migration:
        return stop_migration(status, root)
    runtime = runtime_for_run(root, status.run)
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
                title = status.plan.step(event["step"]).title if event.get("step") and status.plan.has(event["step"]) else ""
                if event["event"] in ("step_started", "step_done", "step_failed", "step_undone"):
                    say(f"{event['event'].replace('step_', '')}: {title}")
                elif event["event"] in ("run_done", "run_stopped", "run_failed", "rollback_done"):
                    say(event["event"].replace("_", " "))
            seen_events = len(events)
            status = read_status(root)
            if status is None:
                break
            if status.migration.state == "running":
                progress = migration_progress(status, runtime)
                if progress is not None:
                    meter = meter or ProgressMeter(progress[1])
                    say("progress: " + meter.update(progress[0]).describe())
            elif status.holder is None:
                break  # nothing runs: neither a step nor the migration tool
            time.sleep(args.interval)
    except KeyboardInterrupt:
        say("\nDetached; the migration keeps running.")
        return 0
    if status is not None:
        say(render_status(status).rstrip("\n"))
        hint = next_hint(status, root)
        if hint:
            say(hint)
    return 0


def stop_migration(status, root) -> int:
    from ffwizard.commands.runcommon import say
    from ffwizard.core import detached
    from ffwizard.core.errors import UserError

    state = detached.read_state(status.run.migration_exit)
    if state is None or not detached.group_alive(state):
        raise UserError("the migration tool is not running; see 'ffwizard status'.")
    status.run.journal.append("migration_stopped", pid=state.pid)
    detached.stop(state)
    say(f"Stopped the migration tool (pid {state.pid}). The new shards hold part of the objects: "
        f"start again into emptied shards with 'ffwizard resume --root {root} --rerun-migration', "
        f"or undo with 'ffwizard rollback --root {root}'.")
    return 0
