"""The command line builds only the parser of the command it was given (issue #17: each
command's module is imported to register it); its help, errors and parsed options are the
whole parser's."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest

from ffwizard.cli import COMMAND_MODULES, build_parser, named_command


@pytest.mark.parametrize("argv,command", [
    (["plan", "--root", "x"], "plan"),
    (["--lang", "ru", "status"], "status"),
    (["--lang=ru", "apply", "--yes"], "apply"),
    (["--help", "plan"], None),      # the top-level help lists every command
    (["--version"], None),
    (["--root", "x"], None),         # the wizard by default: parsed again as `wizard`
    (["plna"], None),                # argparse names the commands it knows
    (["--lang"], None),
    ([], None),
])
def test_named_command(argv, command):
    assert named_command(argv) == command


def outcome(parser, argv: list[str]) -> tuple[object, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            parsed = vars(parser.parse_args(argv))
            parsed.pop("func", None)  # the same function either way; compared by name below
            result: object = parsed
        except SystemExit as exited:
            result = exited.code
    return result, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", COMMAND_MODULES)
@pytest.mark.parametrize("tail", [["--help"], ["--no-such-option"], ["--lang", "ru", "-h"], []])
def test_one_commands_parser_reads_as_the_whole_one(command, tail):
    argv = [command, *tail]
    whole = outcome(build_parser(), argv)
    assert outcome(build_parser(only=command), argv) == whole
    assert whole[1] or whole[2] or isinstance(whole[0], dict)  # it did answer


def test_a_command_loads_no_other_commands_module():
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys, contextlib, io\nfrom ffwizard.cli import main\n"
         "try:\n    with contextlib.redirect_stdout(io.StringIO()):\n"
         "        main(['plan', '--help'])\nexcept SystemExit:\n    pass\n"
         "print(' '.join(m for m in sys.modules if m.startswith('ffwizard.commands.')))"],
        capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    commands = {m.rsplit(".", 1)[1] for m in probe.stdout.split()}
    assert commands & set(COMMAND_MODULES) == {"plan"}
