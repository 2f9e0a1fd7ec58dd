"""`ffwizard apply`: detect, plan, check, then run the migration step by step.

Exit status: 0 done, 1 failed, 2 refused (bad input, failed preflight, lock held), 3 stopped.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ffwizard.commands.runcommon import add_root
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


def available_models(runtime, installation) -> list[str] | None:
    """The model files the extraction service offers (None when it cannot be asked)."""
    from ffwizard.core.errors import UserError

    try:
        service = installation.extraction_api_service
        return runtime.list_files(service, installation.models_root, ".fnk")
    except (UserError, OSError):
        return None


def run(args: argparse.Namespace) -> int:
    from ffwizard.commands.runcommon import (
        EventPrinter,
        install_stop_handlers,
        make_confirm,
        print_outcome,
        say,
        took_over_message,
    )
    from ffwizard.core.answers import load_answers, resolve_answers
    from ffwizard.core.detect import detect
    from ffwizard.core.errors import UserError
    from ffwizard.core.executor import Executor, RunExists
    from ffwizard.core.journal import current_run_dir
    from ffwizard.core.lock import InstallLock, refuse_if_held
    from ffwizard.core.plan import build_plan
    from ffwizard.core.preflight import require_preflight
    from ffwizard.core.settings import Settings
    from ffwizard.runtime import open_runtime_for

    root = args.root.resolve()
    raw = load_answers(args.answers)
    if (current_run_dir(root) / "run.json").exists():
        refuse_if_held(root)  # a run under way: say whose
        raise RunExists(_("a migration run is already under way here; continue it with "
                          "'ffwizard resume --root {root}' or undo it with 'ffwizard rollback "
                          "--root {root}'.").format(root=root))
    installation = detect(root)
    if installation.compose_file is None:
        raise UserError(installation.problems[0].message)  # what the root holds instead
    kind = args.runtime
    if kind is None:
        from ffwizard.demo.sandbox import is_sandbox

        kind = "sim" if is_sandbox(root) else "docker"
    runtime = open_runtime_for(installation, kind)
    answers, problems = resolve_answers(installation, raw, available_models(runtime, installation),
                                        source=str(args.answers))
    plan = build_plan(installation, answers, problems=problems)
    if plan.blocked:
        errors = [p for p in plan.problems if p.severity == "error"]
        raise UserError(_("the plan cannot run; nothing was changed:") + "\n"
                        + "\n".join(f"  - {p}" for p in errors))
    state: dict = {}
    with InstallLock(root, "apply") as lock:
        if lock.took_over is not None:
            say(took_over_message(lock))
        settings = Settings.from_environ()
        checks = require_preflight(plan, runtime, settings)
        say(ngettext("Preflight: {count} check passed.", "Preflight: {count} checks passed.",
                     len(checks)).format(count=len(checks)))
        for check in checks:
            # TRANSLATORS: a preflight check that passed, under "Preflight: N checks passed."
            say("      " + _("ok: {check}").format(check=check.message))
        executor = Executor.start(root, plan, runtime, settings=settings, on_event=EventPrinter(),
                                  confirm=make_confirm(root, args.yes, state))
        say(_("Run directory: {path}").format(path=executor.run_dir.path))
        install_stop_handlers(executor, state)
        outcome = executor.run()
    return print_outcome(outcome, root)
