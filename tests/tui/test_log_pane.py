"""The log pane: clean lines from raw chunks, a copy on disk, and a screen that keeps up."""

from __future__ import annotations

import os
import threading

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Log
from tui_helpers import wait_for

from ffwizard.ui.widgets.log_pane import LineSplitter, LogPane, clean_line

pytestmark = pytest.mark.asyncio


def screen_rows(app: App) -> list[str]:
    """What the terminal shows now, one string per row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def pane_rows(app: App) -> list[str]:
    """The text of the pane's rows (inside its borders, its scroll bar left out)."""
    region = app.query_one(LogPane).scrollable_content_region
    rows = screen_rows(app)
    return [rows[y][region.x:region.right].strip() for y in range(region.y, region.bottom)]


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    """Wait for a state, never a fixed time: checks every 10 ms up to `timeout` seconds."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await pilot.pause(0.01)
    assert condition()
def shows(app: App, text: str) -> bool:
    return any(text in row for row in screen_rows(app))


# --- LineSplitter ---------------------------------------------------------------------------

async def test_splitter_keeps_partial_tail_between_chunks():
    splitter = LineSplitter()
    assert splitter.feed(b"first li") == []
    assert splitter.feed(b"ne\nsecond") == ["first line"]
    assert splitter.feed(b" line\nthird") == ["second line"]
    assert splitter.finish() == ["third"]
    assert splitter.finish() == []


async def test_splitter_decodes_utf8_cut_between_chunks():
    data = "объекты: 5 ✓\n".encode()
    splitter = LineSplitter()
    lines = []
    for byte in data:  # worst case: one byte at a time
        lines += splitter.feed(bytes([byte]))
    assert lines == ["объекты: 5 ✓"]


async def test_splitter_replaces_invalid_bytes():
    assert LineSplitter().feed(b"bad \xff byte\n") == ["bad \ufffd byte"]


async def test_splitter_strips_ansi_escapes_even_across_chunks():
    splitter = LineSplitter()
    lines = splitter.feed(b"\x1b[1;3")
    lines += splitter.feed(b"2mred\x1b[0m plain \x1b]0;title\x07end\n")
    assert lines == ["red plain end"]


async def test_splitter_keeps_only_last_carriage_return_state():
    splitter = LineSplitter()
    lines = splitter.feed(b"progress 10%\rprogress 50%\rprogress 100%\ndos line\r\n")
    assert lines == ["progress 100%", "dos line"]
    # A \r\n cut between two chunks is still a plain line end.
    assert splitter.feed(b"cut\r") == []
    assert splitter.feed(b"\nnext\n") == ["cut", "next"]
    assert clean_line("a\rb\r") == "b"


async def test_splitter_cuts_endless_line():
    splitter = LineSplitter()
    out = splitter.feed(b"x" * (70 * 1024))
    assert out == ["x" * (70 * 1024)]


# --- LogPane --------------------------------------------------------------------------------

class PaneApp(App):
    def __init__(self, pane: Log) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


async def test_plain_log_shows_stale_lines_once_full():
    """The bug the pane exists to fix: if this starts failing, Textual fixed it."""
    app = PaneApp(Log(max_lines=50))
    async with app.run_test(size=(40, 10)) as pilot:
        for batch in range(10):
            app.pane.write_lines([f"line {batch * 20 + i}" for i in range(20)])
            await pilot.pause(0.05)
        await pilot.pause(0.1)
        assert not any("line 199" in row for row in screen_rows(app))


async def test_pane_past_max_lines_shows_last_line_written(tmp_path):
    pane = LogPane(max_lines=50, flush_hz=20, log_file=tmp_path / "run.log")
    app = PaneApp(pane)
    async with app.run_test(size=(40, 10)) as pilot:
        for batch in range(10):
            pane.feed("".join(f"line {batch * 20 + i}\n" for i in range(20)).encode())
            await pilot.pause(0.08)
        await wait_for(pilot, lambda: shows(app, "line 199"), timeout=30)
        rows = [row.strip("│ ") for row in screen_rows(app)]
        shown = [row for row in rows if row.startswith("line ")]
        assert shown[-1] == "line 199"
        assert len(pane.lines) == 50 and pane.lines[-1] == "line 199"
    assert (tmp_path / "run.log").read_text().splitlines() == [f"line {i}" for i in range(200)]


async def test_pane_reads_pipe_in_thread_and_announces_end(tmp_path):
    finished = []
    pane = LogPane(max_lines=1000, log_file=tmp_path / "out.log")
    app = PaneApp(pane)
    read_fd, write_fd = os.pipe()
    async with app.run_test(size=(60, 12), message_hook=lambda m: finished.append(m)
                            if isinstance(m, LogPane.Finished) else None) as pilot:
        pane.follow_stream(os.fdopen(read_fd, "rb"))
        payload = b"".join(b"\x1b[32mrow %d\x1b[0m\n" % i for i in range(5000)) + b"no newline"

        def write() -> None:  # a writer thread, as a child process would be
            with os.fdopen(write_fd, "wb") as stream:
                stream.write(payload[:70000])
                stream.flush()
                stream.write(payload[70000:])

        writer = threading.Thread(target=write)
        writer.start()
        await app.workers.wait_for_complete()
        writer.join()
        await wait_for(pilot, lambda: finished and shows(app, "no newline"), timeout=30)
        assert finished and finished[0].lines_total == 5001
        assert pane.lines[-1] == "no newline" and pane.lines[-2] == "row 4999"
        assert len(pane.lines) == 1000
        assert any("no newline" in row for row in screen_rows(app))
    text = (tmp_path / "out.log").read_text()
    assert text.startswith("row 0\nrow 1\n") and text.endswith("row 4999\nno newline\n")


async def test_pane_tails_growing_file_from_its_end(tmp_path):
    source = tmp_path / "detached.log"
    source.write_text("".join(f"old {i}\n" for i in range(10000)))
    done = {"value": False}
    pane = LogPane(max_lines=500)
    app = PaneApp(pane)
    async with app.run_test(size=(60, 12)) as pilot:
        pane.follow_file(source, until=lambda: done["value"], start_at_tail=1000, poll=0.02)
        await wait_for(pilot, lambda: pane.lines and pane.lines[-1] == "old 9999", timeout=30)
        assert len(pane.lines) < 200  # only the tail was read
        with source.open("a") as handle:
            handle.write("new line\nlast")
        done["value"] = True
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: list(pane.lines[-2:]) == ["new line", "last"]
                       and shows(app, "last"), timeout=30)


async def test_pane_follows_the_end_until_the_user_scrolls_up():
    pane = LogPane(max_lines=1000, flush_hz=20)
    app = PaneApp(pane)
    async with app.run_test(size=(40, 10)) as pilot:
        for batch in range(5):
            pane.add_lines([f"a{batch}-{i}" for i in range(30)])
            await pilot.pause(0.1)
        await wait_for(pilot, lambda: shows(app, "a4-29"), timeout=30)
        assert pane.scroll_y == pane.max_scroll_y > 0
        pane.scroll_home(animate=False, immediate=True)
        await wait_for(pilot, lambda: shows(app, "a0-0"), timeout=30)
        pane.add_lines([f"b{i}" for i in range(30)])
        await wait_for(pilot, lambda: pane.lines[-1] == "b29", timeout=30)  # flushed to the pane
        await pilot.pause()
        assert pane.scroll_y == 0  # reading the top: not dragged away
        assert shows(app, "a0-0")
        pane.scroll_end(animate=False, immediate=True)
        await wait_for(pilot, lambda: shows(app, "b29"), timeout=30)
        pane.add_lines([f"c{i}" for i in range(30)])
        await wait_for(pilot, lambda: shows(app, "c29"), timeout=30)
        assert pane.scroll_y == pane.max_scroll_y


async def test_pane_keeps_last_line_in_view_when_it_shrinks():
    from textual.widgets import Static

    class ShrinkApp(App):
        CSS = "LogPane { height: 1fr; } #below { height: auto; }"

        def compose(self) -> ComposeResult:
            yield LogPane(max_lines=1000, flush_hz=20)
            yield Static("", id="below")

    app = ShrinkApp()
    async with app.run_test(size=(40, 12)) as pilot:
        pane = app.query_one(LogPane)
        pane.add_lines([f"line {i}" for i in range(100)])
        await wait_for(pilot, lambda: shows(app, "line 99"), timeout=30)
        app.query_one("#below", Static).update("one\ntwo\nthree")
        await wait_for(pilot, lambda: shows(app, "three") and shows(app, "line 99"), timeout=30)


async def test_a_very_long_line_is_bounded_in_the_pane_and_whole_in_the_file(tmp_path):
    from ffwizard.ui.widgets.log_pane import SHOWN_LINE_CHARS

    pane = LogPane(max_lines=100, log_file=tmp_path / "run.log")
    app = PaneApp(pane)
    long_line = "start " + "x" * 200_000 + " end"
    async with app.run_test(size=(60, 12)) as pilot:
        pane.feed((long_line + "\nshort\n").encode())
        await wait_until(pilot, lambda: pane.lines and pane.lines[-1] == "short")
        kept = pane.lines[-2]
        assert kept.startswith("start xxx") and "end" not in kept
        more = len(long_line) - SHOWN_LINE_CHARS
        assert kept.endswith(f"… ({more} more characters in the log file)")
        assert len(kept) < SHOWN_LINE_CHARS + 60
        assert pane.last_line == "short"
    assert (tmp_path / "run.log").read_text() == long_line + "\nshort\n"


async def test_past_max_lines_the_last_line_shown_is_the_last_written():
    pane = LogPane(max_lines=30)
    app = PaneApp(pane)
    async with app.run_test(size=(40, 10)) as pilot:
        for batch in range(40):  # small batches: rows filled one by one, page turns, drops
            pane.add_lines([f"line {batch * 3 + i}" for i in range(3)])
            await pilot.pause(0.01)
        await wait_until(pilot, lambda: any("line 119" in row for row in screen_rows(app)))
        assert len(pane.lines) == 30 and pane.lines[-1] == "line 119"
        shown = [row for row in pane_rows(app) if row]
        assert shown == [f"line {n}" for n in range(120 - len(shown), 120)]  # in order, no gap


async def test_a_lone_line_appears_promptly_and_paints_only_its_row():
    pane = LogPane(max_lines=1000)  # the shipped flush rate
    app = PaneApp(pane)
    painted: list[int] = []
    async with app.run_test(size=(40, 12)) as pilot:
        pane.add_lines(["first"])
        await wait_until(pilot, lambda: any("first" in row for row in screen_rows(app)), 2.0)
        original = pane.refresh_lines
        pane.refresh_lines = lambda y, n=1: (painted.append(n), original(y, n))
        refreshed = []
        original_refresh = pane.refresh
        pane.refresh = lambda *a, **k: (refreshed.append((a, k)), original_refresh(*a, **k))[1]
        pane.add_lines(["second"])
        await wait_until(pilot, lambda: any("second" in row for row in screen_rows(app)), 2.0)
        assert painted == [1]  # one row,
        assert ((), {}) not in refreshed  # not the whole pane


async def test_following_turns_a_page_instead_of_scrolling_every_row():
    pane = LogPane(max_lines=1000)
    app = PaneApp(pane)
    async with app.run_test(size=(40, 12)) as pilot:  # 10 rows inside the border
        for n in range(11):
            pane.add_lines([f"row {n}"])
            await wait_until(pilot, lambda n=n: any(f"row {n}" in r for r in screen_rows(app)), 2.0)
        rows = pane_rows(app)
        # A line did not fit: the last lines moved to the top, the rest is free.
        shown = [row for row in rows if row]
        assert rows[:len(shown)] == shown and shown[-1] == "row 10" and "row 0" not in shown
        assert len(shown) <= len(rows) // 2
        assert pane.scroll_y == pane.max_scroll_y  # still following
        pane.add_lines([f"burst {n}" for n in range(50)])  # a pageful: shows the end
        await wait_until(pilot, lambda: any("burst 49" in r for r in screen_rows(app)), 2.0)
        shown = [row for row in pane_rows(app) if row]
        assert shown == [f"burst {n}" for n in range(50 - len(shown), 50)]
        assert len(shown) == len(pane_rows(app))  # full


async def test_without_page_turns_the_pane_scrolls_like_a_terminal():
    """The Run screen's full-output view (F6): the newest line on the bottom row, every row
    above it full, never the newest lines at the top over empty rows."""
    pane = LogPane(max_lines=1000)
    app = PaneApp(pane)
    async with app.run_test(size=(40, 12)) as pilot:  # 10 rows inside the border
        for n in range(11):  # the 11th line turns a page
            pane.add_lines([f"row {n}"])
            await wait_until(pilot, lambda n=n: any(f"row {n}" in r for r in screen_rows(app)), 2.0)
        assert pane_rows(app)[-1] == ""  # a page turned: free rows below the newest line
        pane.page_turns = False
        await wait_until(pilot, lambda: pane_rows(app)[-1] == "row 10", 2.0)
        for n in range(11, 30):
            pane.add_lines([f"row {n}"])
            await wait_until(pilot, lambda n=n: any(f"row {n}" in r for r in screen_rows(app)), 2.0)
            rows = pane_rows(app)
            assert rows == [f"row {k}" for k in range(n - len(rows) + 1, n + 1)], rows
        assert pane.scroll_y == pane.max_scroll_y
        # Back with page turns: the next line that does not fit turns a page again.
        pane.page_turns = True
        pane.add_lines(["row 30"])
        await wait_until(pilot, lambda: any("row 30" in r for r in screen_rows(app)), 2.0)
        assert pane_rows(app)[-1] == ""


async def test_show_end_fills_the_rows_after_a_page_turn():
    """What the Run screen asks when a dialog over the output closes (its rows are painted
    anyway): the newest line on the bottom row, the lines before it above."""
    pane = LogPane(max_lines=1000)
    app = PaneApp(pane)
    async with app.run_test(size=(40, 12)) as pilot:
        for n in range(12):
            pane.add_lines([f"row {n}"])
            await wait_until(pilot, lambda n=n: any(f"row {n}" in r for r in screen_rows(app)), 2.0)
        assert pane_rows(app)[-1] == ""  # a page turned
        pane.show_end()
        await wait_until(pilot, lambda: pane_rows(app)[-1] == "row 11", 2.0)
        rows = pane_rows(app)
        assert rows == [f"row {k}" for k in range(12 - len(rows), 12)]
        assert pane.page_turns  # the next line that does not fit turns a page again


async def test_rows_left_below_a_shrunk_pane_do_not_hold_the_terminal_scroll_off():
    """A row asked to be painted holds the terminal's own scrolling off until it is painted;
    a row the pane no longer has (it shrank before the paint) never will be."""
    pane = LogPane(max_lines=1000)
    app = PaneApp(pane)
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_until(pilot, lambda: pane.size.height == 10)
        pane._unpainted.update(range(10))  # asked for, the paint not come yet
        pane.styles.height = 6
        await wait_until(pilot, lambda: pane.size.height == 4)
        await wait_until(pilot, lambda: not pane._unpainted)  # rows 0-3 painted, 4-9 gone
