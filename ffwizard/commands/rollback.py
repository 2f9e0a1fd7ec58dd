"""`ffwizard rollback`: undo the current run (possible until sf-api is switched to the new
shards): files restored byte for byte, new shard services removed, old shards running."""

from __future__ import annotations

import argparse

from ffwizard.commands.runcommon import add_root
from ffwizard.i18n import _


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "rollback", help=_("undo the current migration run (before the point of no return)"),
        description=_("Undo every step the current run started, newest first: restore each "
                      "changed file from its backup, restart what was restarted, remove the new "
                      "shard services and the directories ffwizard created. Old shard data is "
                      "never touched."))
    add_root(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ffwizard.commands.runcommon import (
        EventPrinter,
        print_outcome,
        runtime_for_run,
        say,
        took_over_message,
    )
    from ffwizard.core.errors import UserError
    from ffwizard.core.executor import Executor
    from ffwizard.core.settings import Settings
    from ffwizard.core.journal import RunDir, current_run_dir
    from ffwizard.core.lock import InstallLock

    root = args.root.resolve()
    with InstallLock(root, "rollback") as lock:
        if lock.took_over is not None:
            say(took_over_message(lock))
        run_dir = RunDir(current_run_dir(root))
        if not (run_dir.path / "run.json").exists():
            from ffwizard.core.journal import find_run

            last = find_run(root)
            if last is not None and last.state().status == "done":
                raise UserError(
                    _("the last migration run ({run_id}) finished: sf-api serves the new "
                      "shards, so there is nothing ffwizard can roll back. The old shard data "
                      "directories are still on disk; its report: {report}").format(
                        run_id=last.info()["run_id"], report=last.report))
            raise UserError(_("there is no migration run to roll back at {root}.").format(
                root=root))
        runtime = runtime_for_run(root, run_dir)
        runtime.ping()
        executor = Executor.open(root, runtime, settings=Settings.from_environ(), on_event=EventPrinter())
        outcome = executor.rollback()
    return print_outcome(outcome, root)
