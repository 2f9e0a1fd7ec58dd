"""`ffwizard resume`: continue the current run where it stopped (after a stop, a failure, a
killed ffwizard or a dropped SSH session), with the plan and runtime it started with."""

from __future__ import annotations

import argparse

from ffwizard import session
from ffwizard.commands.runcommon import (
    EventPrinter,
    add_root,
    install_stop_handlers,
    make_confirm,
    print_outcome,
    say,
    took_over_message,
)
from ffwizard.core.errors import UserError
from ffwizard.core.report import status_word
from ffwizard.i18n import _


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "resume", help=_("continue the current migration run"),
        description=_("Continue the current run from its journal: steps already done are "
                      "skipped, an interrupted step is re-entered safely, a running migration "
                      "is followed again."))
    add_root(parser)
    parser.add_argument("--yes", action="store_true",
                        help=_("do not ask before the point of no return"))
    parser.add_argument("--rerun-migration", action="store_true",
                        help=_("after a failed migration: move the new shards' data aside, "
                               "start them empty and run the migration again"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = args.root.resolve()
    state: dict = {}
    with session.lock(root, "resume") as lock:
        if lock.took_over is not None:
            say(took_over_message(lock))
        run_dir = session.current_run(root)
        if run_dir is None:
            raise UserError(_("there is no migration run to continue at {root}; start one "
                              "with 'ffwizard apply'.").format(root=root))
        runtime = session.runtime_for_run(root, run_dir)
        runtime.ping()
        executor = session.reopen_run(root, runtime, settings=args.settings,
                                      on_event=EventPrinter(),
                                      confirm=make_confirm(root, args.yes, state))
        status = executor.state.status
        say(_("Resuming run {run_id}: {status}.").format(
            run_id=run_dir.info()["run_id"], status=status_word(status)))
        install_stop_handlers(executor, state)
        outcome = executor.rerun_migration() if args.rerun_migration else executor.run()
    return print_outcome(outcome, root)
