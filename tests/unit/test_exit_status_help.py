"""Each command's --help says what its exit status means, in the user's language; `status` on a
directory that does not exist says so and exits 2."""

from __future__ import annotations

import pytest

from ffwizard.cli import main
from ffwizard.commands.exitcodes import EXIT_STATUS

COMMANDS = ("wizard", "demo", "plan", "apply", "status", "attach", "resume", "rollback", "serve")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("lang,heading", [("en", "Exit status: 0 "), ("ru", "Код выхода: 0 ")])
def test_help_ends_with_the_exit_status(capsys, command, lang, heading):
    with pytest.raises(SystemExit) as exited:
        main([command, "--help", "--lang", lang])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    tail = " ".join(out.split()).rsplit(heading, 1)
    assert len(tail) == 2, out
    assert "2 " in tail[1]


def test_every_command_has_an_exit_status_line():
    assert set(EXIT_STATUS) == set(COMMANDS)


def test_status_of_a_missing_directory_says_so_and_exits_2(capsys, tmp_path):
    missing = tmp_path / "missing"
    status = main(["status", "--root", str(missing)])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err == (f"ffwizard: there is no directory {missing}. Give the install root (the "
                   "directory holding docker-compose.yaml).\n")
