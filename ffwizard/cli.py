"""The `ffwizard` command line: the wizard (default) and the headless commands.

Each sub-command lives in `ffwizard/commands/<name>.py` with `register(subparsers)`; a module is
imported only to register its arguments, so heavy imports (Textual, docker) belong inside the
command's function. A `UserError` becomes its message on stderr and its exit status: users never
see a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ffwizard import __version__
from ffwizard.core.errors import UserError

# In the order `--help` lists them.
COMMAND_MODULES = (
    "wizard", "demo", "plan", "apply", "status", "attach", "resume", "rollback", "serve",
)

EXIT_INTERRUPTED = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ffwizard",
        description="Migrate the feature vectors of a FindFace Multi installation to a new model, "
                    "step by step and safely. Without a command, opens the wizard on the "
                    "installation at /opt/findface-multi.",
    )
    parser.add_argument("--version", action="version", version=f"ffwizard {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"ffwizard.commands.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"ffwizard.commands.{name}":
                raise
            continue  # a command not built yet
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # No command: the wizard on the real installation.
        args = parser.parse_args(["wizard", *(argv or sys.argv[1:])])
    try:
        return int(args.func(args) or 0)
    except UserError as err:
        print(f"ffwizard: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("ffwizard: stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED
