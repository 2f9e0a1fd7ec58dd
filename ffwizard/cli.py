"""The `ffwizard` command line: the wizard (default) and the headless commands.

Each sub-command lives in `ffwizard/commands/<name>.py` with `register(subparsers)`; a module is
imported to register its arguments (only the named command's, every one for `--help`), so heavy
imports (Textual, docker) belong inside the command's function. A `UserError` becomes its
message on stderr and its exit status: users never see a traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from typing import NoReturn

from ffwizard import __version__
from ffwizard.commands.exitcodes import exit_status_epilog
from ffwizard.core.errors import ExitCode, UserError
from ffwizard.core.outputs import output_closed
from ffwizard.core.secrets import redact
from ffwizard.core.settings import Settings
from ffwizard.i18n import (
    LANGUAGES,
    UnknownLanguage,
    _,
    language_from_environment,
    normalize_language,
    set_language,
)

# In the order `--help` lists them.
COMMAND_MODULES = (
    "wizard", "demo", "plan", "apply", "status", "attach", "resume", "rollback", "serve",
)


def language_code(text: str) -> str:
    """`--lang` as `set_language` takes it (`ru`, `RU`, `ru_RU.UTF-8`)."""
    try:
        return normalize_language(text)
    except UnknownLanguage:
        return text  # argparse's choices check says it is not one of them


def add_language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", type=language_code, choices=LANGUAGES, metavar="{en,ru}",
                        help=_("language of the wizard, the messages and the report "
                               "(default: from LANG / LC_ALL)"))


def named_command(argv: list[str]) -> str | None:
    """The command `argv` names when nothing before it needs the others (`--lang X` may come
    first; `--help` or `--version` first, or no known command, means the whole parser)."""
    at = 0
    while at < len(argv):
        word = argv[at]
        if word == "--lang":
            at += 2
        elif word.startswith("--lang="):
            at += 1
        else:
            return word if word in COMMAND_MODULES else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with `only`, that command's alone (each command's module is
    imported to register it, and a command needs none of the others': a few ms of CPU
    less for `plan`, issue #17). Its help and errors read the same either way."""
    parser = argparse.ArgumentParser(
        prog="ffwizard",
        description=_("Migrate the feature vectors of a FindFace Multi installation to a new "
                      "model, step by step and safely. Without a command, opens the wizard on "
                      "the installation at /opt/findface-multi."),
    )
    parser.add_argument("--version", action="version", version=f"ffwizard {__version__}",
                        help=_("show program's version number and exit"))
    add_language_option(parser)
    # TRANSLATORS: the placeholder for a command name in the usage line.
    subparsers = parser.add_subparsers(dest="command", metavar=_("COMMAND"),
                                       title=_("commands"))
    for name in COMMAND_MODULES if only is None else (only,):
        try:
            module = importlib.import_module(f"ffwizard.commands.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"ffwizard.commands.{name}":
                raise
            continue  # a command not built yet
        module.register(subparsers)
    for name, command_parser in subparsers.choices.items():
        add_language_option(command_parser)  # `ffwizard plan --lang ru` reads naturally too
        command_parser.epilog = exit_status_epilog(name)
    return parser


def choose_language(argv: list[str]) -> str:
    """`--lang` wherever it stands, else the locale. Chosen before the parser is built, so its
    help is in that language too."""
    pre = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    pre.add_argument("--lang")
    try:
        known, _rest = pre.parse_known_args(argv)
    except argparse.ArgumentError:  # `--lang` with no value: the real parser says so
        known = argparse.Namespace(lang=None)
    return set_language(known.lang if known.lang else language_from_environment())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        choose_language(argv)
    except UnknownLanguage as err:
        set_language(language_from_environment())
        print(_("ffwizard: there is no language {name!r}: choose en or ru.").format(
            name=str(err)), file=sys.stderr)
        return ExitCode.REFUSED
    parser = build_parser(only=named_command(argv))
    args = parser.parse_args(argv)
    if args.command is None:
        # No command: the wizard on the real installation.
        args = parser.parse_args(["wizard", *argv])
    try:
        # The one place the command line reads ffwizard's settings from the environment.
        args.settings = Settings.from_environ()
    except ValueError as err:
        print(f"ffwizard: {err}", file=sys.stderr)
        return ExitCode.REFUSED
    try:
        return int(args.func(args) or 0)
    except UserError as err:
        print(f"ffwizard: {redact(str(err))}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:  # the reader went away (`ffwizard plan | head`): stop quietly
        return output_closed()
    except KeyboardInterrupt:
        print(_("ffwizard: stopped."), file=sys.stderr)
        return ExitCode.STOPPED


def run() -> NoReturn:
    """The program (`ffwizard`, `python -m ffwizard`, the bundle): `main()`, then exit with its
    status."""
    status = main()
    # The process ends here, yet Python's shutdown would still search every object the command
    # made for reference cycles to collect: ~10 ms of `plan`'s ~150 ms of CPU (issue #17).
    # Nothing ffwizard does waits for that collection (files are closed where they are written,
    # temporary directories go by their atexit finalizers), so the objects are frozen out of it.
    gc.freeze()
    sys.exit(status)
