"""`ffwizard wizard` (and `ffwizard` with no command): the Textual wizard."""

from __future__ import annotations

import argparse
from pathlib import Path

from ffwizard.core.settings import DEFAULT_ROOT
from ffwizard.i18n import _


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "wizard", help=_("open the wizard (the default command)"),
        description=_("Open the step-by-step wizard on an installation: it detects, proposes, "
                      "shows every change, runs the migration and verifies it."))
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, metavar=_("ROOT"),
                        help=_("install root (default: /opt/findface-multi)"))
    parser.add_argument("--runtime", choices=("docker", "sim"), default="docker",
                        help=_("docker (a real installation, default) or sim (a demo sandbox)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ffwizard.ui.app import run_wizard  # lazy: Textual only for the wizard

    return run_wizard(args.root, args.runtime, demo=args.runtime == "sim",
                      settings=args.settings)
