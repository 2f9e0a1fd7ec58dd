"""`ffwizard resume`: continue the current run where it stopped (after a stop, a failure, a
killed ffwizard or a dropped SSH session), with the plan and runtime it started with."""

from __future__ import annotations

import argparse

from ffwizard.commands.runcommon import add_root
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
    from ffwizard.commands.runcommon import (
        EventPrinter,
        install_stop_handlers,
        make_confirm,
        print_outcome,
        runtime_for_run,
        say,
        took_over_message,
    )
    from ffwizard.core.executor import Executor
    from ffwizard.core.settings import Settings
    from ffwizard.core.journal import RunDir, current_run_dir
    from ffwizard.core.lock import InstallLock

    root = args.root.resolve()
    state: dict = {}
    with InstallLock(root, "resume") as lock:
        if lock.took_over is not None:
            say(took_over_message(lock))
        run_dir = RunDir(current_run_dir(root))
        if not (run_dir.path / "run.json").exists():
            from ffwizard.core.errors import UserError
            raise UserError(_("there is no migration run to continue at {root}; start one "
                              "with 'ffwizard apply'.").format(root=root))
        runtime = runtime_for_run(root, run_dir)
        runtime.ping()
        executor = Executor.open(root, runtime, settings=Settings.from_environ(), on_event=EventPrinter(),
                                 confirm=make_confirm(root, args.yes, state))
        from ffwizard.core.report import status_word

        status = executor.state.status
        say(_("Resuming run {run_id}: {status}.").format(
            run_id=run_dir.info()["run_id"], status=status_word(status)))
        install_stop_handlers(executor, state)
        outcome = executor.rerun_migration() if args.rerun_migration else executor.run()
    return print_outcome(outcome, root)
