"""The log pane has the terminal scroll its rows (few bytes over SSH): what a real terminal
then shows must be what the pane holds. A pseudo-terminal runs a program with the pane across
the whole width; a terminal emulator (pyte) reads what it draws."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pyte
from pseudo_terminal import PseudoTerminal

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
APP = HERE / "log_pane_app.py"
COLUMNS, ROWS = 80, 24
# Rows of the program: 2 of text, the pane's top border, its lines, its bottom border, 1 of text.
FIRST, LAST = 3, ROWS - 3


class Emulator(pyte.Screen):
    """pyte's terminal, with SU (CSI n S: scroll the lines within the margins up n lines, a
    blank line in at the bottom; ECMA-48 8.3.147), which pyte leaves out."""

    def scroll_up(self, count: int | None = None, *args, **kwargs) -> None:
        row, column = self.cursor.y, self.cursor.x
        self.cursor.y = self.margins.bottom if self.margins else self.lines - 1
        for _ in range(count or 1):
            self.index()
        self.cursor.y, self.cursor.x = row, column


class Stream(pyte.ByteStream):
    csi = {**pyte.ByteStream.csi, "S": "scroll_up"}


class Screen:
    """The pseudo-terminal's output, as a terminal shows it."""

    def __init__(self, term: PseudoTerminal) -> None:
        self.term = term
        self.screen = Emulator(COLUMNS, ROWS)
        self.stream = Stream(self.screen)
        self.fed = 0

    def rows(self) -> list[str]:
        self.term.read_for(0.05)
        self.stream.feed(self.term.output[self.fed:])
        self.fed = len(self.term.output)
        return list(self.screen.display)

    def wait(self, check, what: str, timeout: float = 30.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.rows()
            if check(rows):
                return rows
        raise AssertionError(f"never {what}; the terminal showed:\n" + "\n".join(self.rows()))

    def resize(self, columns: int, rows: int) -> None:
        self.screen.resize(rows, columns)
        fcntl.ioctl(self.term.master, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, columns, 0, 0))
        os.killpg(self.term.process.pid, signal.SIGWINCH)


def line(number: int) -> str:
    # Lines of different lengths: a shorter line over a longer one must leave nothing behind.
    return (f"line {number:03d} " + "=" * (number * 7 % 60)).rstrip()


def pane_rows(rows: list[str]) -> list[str]:
    return [row.rstrip() for row in rows[FIRST:LAST + 1]]


def expected(last: int) -> list[str]:
    height = LAST - FIRST + 1
    return [line(n) for n in range(max(1, last - height + 1), last + 1)]


def run(tmp_path: Path):
    env = {**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8",
           "PYTHONPATH": str(ROOT)}
    env.pop("COLORTERM", None)
    return PseudoTerminal([sys.executable, str(APP), str(tmp_path / "out.log"),
                           str(tmp_path / "done")], env=env, cwd=ROOT, size=(COLUMNS, ROWS))


def write_lines(tmp_path: Path, screen: Screen, numbers: range) -> None:
    """Append the lines one by one, each once the one before is on screen (as a slow tool)."""
    with open(tmp_path / "out.log", "a") as log:
        for number in numbers:
            log.write(line(number) + "\n")
            log.flush()
            screen.wait(lambda rows, n=number: line(n) in pane_rows(rows), f"showed line {number}")


def test_rows_the_terminal_scrolled_show_the_newest_lines_in_order(tmp_path):
    with run(tmp_path) as term:
        screen = Screen(term)
        screen.wait(lambda rows: "below the pane" in rows[-1], "drew the program")
        write_lines(tmp_path, screen, range(1, 61))
        rows = screen.wait(lambda rows: pane_rows(rows)[-1] == line(60), "showed line 60 last")
        assert pane_rows(rows) == expected(60)
        assert rows[0].startswith("above the pane") and rows[-1].startswith("below the pane")
        # The terminal did scroll the rows itself (else this test shows nothing of it).
        term.type(b"s")
        rows = screen.wait(lambda rows: "terminal scrolls:" in rows[-1], "said its scrolls")
        assert int(rows[-1].split(":")[1]) >= 30, rows[-1]
        # A full repaint (the terminal resized) draws the same.
        screen.resize(COLUMNS, ROWS + 1)
        screen.wait(lambda rows: len(rows) == ROWS + 1 and "terminal" in rows[-1], "repainted")
        screen.resize(COLUMNS, ROWS)
        rows = screen.wait(lambda rows: pane_rows(rows) == expected(60), "showed the lines again")
        (tmp_path / "done").touch()


def test_lines_under_a_notification_are_painted_not_scrolled(tmp_path):
    """A notification drawn over the pane's rows would move with them: while one is shown the
    pane paints (it turns a page), and once it is gone the terminal scrolls again."""
    with run(tmp_path) as term:
        screen = Screen(term)
        screen.wait(lambda rows: "below the pane" in rows[-1], "drew the program")
        write_lines(tmp_path, screen, range(1, 31))
        term.type(b"n")
        screen.wait(lambda rows: any("a notification" in row for row in rows), "notified")
        write_lines(tmp_path, screen, range(31, 36))
        screen.wait(lambda rows: not any("notification" in row for row in rows),
                    "took the notification away")
        # Every row holds a line in order up to the newest, the rest are blank.
        rows = pane_rows(screen.rows())
        shown = [row for row in rows if row]
        assert shown == [line(n) for n in range(36 - len(shown), 36)]
        assert rows == shown + [""] * (len(rows) - len(shown))
        term.type(b"s")
        scrolls_then = int(screen.wait(lambda rows: "terminal scrolls:" in rows[-1],
                                       "said its scrolls")[-1].split(":")[1])
        write_lines(tmp_path, screen, range(36, 81))
        rows = screen.wait(lambda rows: pane_rows(rows) == expected(80), "showed lines 63-80")
        term.type(b"s")
        rows = screen.wait(lambda rows: "terminal scrolls:" in rows[-1]
                           and int(rows[-1].split(":")[1]) != scrolls_then, "said its scrolls")
        assert int(rows[-1].split(":")[1]) > scrolls_then  # scrolling by the terminal again
        (tmp_path / "done").touch()
