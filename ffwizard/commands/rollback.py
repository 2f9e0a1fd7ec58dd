"""`ffwizard rollback`: undo the current run (possible until sf-api is switched to the new
shards): files restored byte for byte, new shard services removed, old shards running."""

from __future__ import annotations

import argparse

from ffwizard import session
from ffwizard.commands.runcommon import (
    EventPrinter,
    add_root,
    print_outcome,
    say,
    took_over_message,
)
from ffwizard.core.errors import UserError
from ffwizard.i18n import _


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "rollback", help=_("undo the current migration run (before the point of no return)"),
        description=_("Undo every step the current run started, newest first: restore each "
                      "changed file from its backup, restart what was restarted, remove the new "
                      "shard services and the directories ffwizard created. Old shard data is "
                      "never touched. The cache files the extraction service wrote for the new "
                      "model are left in its cache directory and named, with why."))
    add_root(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = args.root.resolve()
    with session.lock(root, "rollback") as lock:
        if lock.took_over is not None:
            say(took_over_message(lock))
        run_dir = session.current_run(root)
        if run_dir is None:
            last = session.last_run(root)
            if last is not None and last.state().status == "done":
                raise UserError(
                    _("the last migration run ({run_id}) finished: sf-api serves the new "
                      "shards, so there is nothing ffwizard can roll back. The old shard data "
                      "directories are still on disk; its report: {report}").format(
                        run_id=last.info()["run_id"], report=last.report))
            raise UserError(_("there is no migration run to roll back at {root}.").format(
                root=root))
        runtime = session.runtime_for_run(root, run_dir)
        runtime.ping()
        executor = session.reopen_run(root, runtime, settings=args.settings,
                                      on_event=EventPrinter())
        outcome = executor.rollback()
    return print_outcome(outcome, root)
