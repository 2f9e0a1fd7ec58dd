"""`ffwizard apply`: detect, plan, check, then run the migration step by step.

Exit status: 0 done, 1 failed, 2 refused (bad input, failed preflight, lock held), 3 stopped.
"""

from __future__ import annotations

import argparse
from pathlib import Path

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
from ffwizard.core.answers import load_answers
from ffwizard.i18n import _, ngettext


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "apply", help=_("run the migration (asks before the point of no return)"),
        description=_("Detect the installation, build the plan from the answers, check the "
                      "installation is ready, then run every step with backups and a journal. "
                      "Asks before switching sf-api to the new shards (the point of no return)."))
    add_root(parser)
    parser.add_argument("--answers", type=Path, metavar=_("FILE"), required=True,
                        help=_("YAML answers file (see `ffwizard plan`)"))
    parser.add_argument("--runtime", choices=("docker", "sim"), default=None,
                        help=_("docker (a real installation) or sim (the demo's simulated one); "
                               "default: sim for a demo sandbox, docker otherwise"))
    parser.add_argument("--yes", action="store_true",
                        help=_("do not ask before the point of no return"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = args.root.resolve()
    raw = load_answers(args.answers)
    session.ensure_no_run(root)
    opened = session.open_installation(root, args.runtime)
    plan = session.make_plan(opened.installation, raw, session.available_models(opened),
                             source=str(args.answers))
    session.require_runnable(plan)
    state: dict = {}
    with session.lock(root, "apply") as lock:
        if lock.took_over is not None:
            say(took_over_message(lock))
        executor = session.start_run(root, plan, opened.runtime, settings=args.settings,
                                     on_event=EventPrinter(),
                                     confirm=make_confirm(root, args.yes, state),
                                     on_checks=print_checks)
        say(_("Run directory: {path}").format(path=executor.run_dir.path))
        install_stop_handlers(executor, state)
        outcome = executor.run()
    return print_outcome(outcome, root)


def print_checks(checks) -> None:
    say(ngettext("Preflight: {count} check passed.", "Preflight: {count} checks passed.",
                 len(checks)).format(count=len(checks)))
    for check in checks:
        # TRANSLATORS: a preflight check that passed, under "Preflight: N checks passed."
        say("      " + (_("warning: {check}") if check.warning else _("ok: {check}")).format(
            check=check.message))
