"""`ffwizard status`: where the current (or last) migration run is, and what to do next."""

from __future__ import annotations

import argparse

from ffwizard import session
from ffwizard.commands.runcommon import add_root, next_hint, render_status, say
from ffwizard.core.errors import UserError
from ffwizard.core.progress import stalled_words
from ffwizard.core.stall import seconds_without_progress
from ffwizard.i18n import _


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "status", help=_("show the current (or last) migration run"),
        description=_("Show the steps of the current or last run, the migration's progress, "
                      "the last lines of its output, and what to do next. Changes nothing."))
    add_root(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # lazy: the run's status (the lock, the journal's reader) only when the command runs, not
    # for `ffwizard --help`, which registers every command
    from ffwizard.core.runstatus import log_tail, migration_progress, read_status

    root = args.root.resolve()
    if not root.is_dir():
        raise UserError(_("there is no directory {path}. Give the install root (the directory "
                          "holding docker-compose.yaml).").format(path=root))
    status = read_status(root)
    if status is None:
        say(_("No migration run at {root} yet. Start one with: ffwizard apply --root {root} "
              "--answers FILE").format(root=root))
        return 0
    progress = None
    if status.migration.state == "running":
        try:
            progress = migration_progress(status, session.runtime_for_run(root, status.run))
        except UserError:
            progress = None
    stalled_for = None
    if progress is not None:
        idle = seconds_without_progress(status.run.path, progress[0])
        if idle >= args.settings.stall_seconds and progress[0] < progress[1]:
            stalled_for = idle
    say(render_status(status, progress, stalled=stalled_for is not None).rstrip("\n"))
    if stalled_for is not None:
        say("  " + stalled_words(stalled_for))
    if status.migration.state in ("running", "failed", "vanished"):
        lines = log_tail(status, 5)
        if lines:
            say(_("Last output of the migration tool:"))
            for line in lines.splitlines():
                say("  " + line)
    hint = next_hint(status, root)
    if hint:
        say(hint)
    return 0
