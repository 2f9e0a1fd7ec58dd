"""A log pane that keeps up with a tool printing hundreds of thousands of lines a second, and
sends little to a terminal at the end of a slow SSH link.

Output is read in 64 KiB chunks on a thread, cut into clean lines (`LineSplitter`), written to
the run's log file there, and only *buffered* for the screen: the pane takes the buffer in one
batch at most `flush_hz` times a second (a lone line after a quiet spell at once). Per-line
writes or per-line messages freeze the event loop (see `bench/README.md`). The thread never
touches a widget.

What reaches the terminal: a new line that lands on an empty row costs that row only. Textual
repaints every row of a pane that scrolls, so when the pane spans the terminal's whole width
and nothing else is drawn on its rows, it has the terminal scroll them itself (a scrolling
region scrolled up, as curses does) and paints only the rows that came in. Otherwise, while
it follows the end, it does not scroll one line at a time: when the lines of a small batch do
not fit, it turns a page — the last few lines move to the top and the rows below fill one by
one (a batch of a pageful or more just shows the end). `bench/bench_terminal_bytes.py`
measures it.

Memory is bounded: `max_lines` lines, each at most SHOWN_LINE_CHARS characters on screen (the
log file keeps every line whole).
"""

from __future__ import annotations

import codecs
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip
from textual.worker import get_current_worker

from ffwizard.i18n import _
from ffwizard.ui.palette import NO_STYLE, TERMINAL_COLOURS

CHUNK_SIZE = 64 * 1024
# A line longer than this with no newline in sight is cut (a tool printing a progress bar
# with `\r` only, or binary garbage): the pane must not hold megabytes waiting for `\n`.
MAX_PARTIAL_LINE = 64 * 1024
# A busy reader works at most READER_BURST seconds, then sleeps READER_REST (bench/README.md).
READER_BURST = 0.02
READER_REST = 0.005
# What the pane keeps of a longer line: its start and how much more the log file has.
SHOWN_LINE_CHARS = 1000
# Batches reach the screen at most this often (a lone line after a quiet spell: at once).
DEFAULT_FLUSH_HZ = 4.0
FLUSH_CHECK = 0.05
# A page turn keeps this share of the pane's rows of the lines before the new ones.
PAGE_TURN_KEEP = 0.25
# C0 controls other than tab, and DEL: shown as U+FFFD rather than sent to the terminal.
CONTROLS = {code: "\ufffd" for code in (*range(0, 9), *range(10, 32), 127)}
# Escape sequences: CSI (colours, cursor moves), OSC (titles, links), and two-byte escapes.
# `Log` would pass them to the terminal raw.
ANSI_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
)


def clean_line(line: str) -> str:
    """What a terminal would finally show of one line: the text after its last carriage return."""
    line = line.rstrip("\r")
    if "\r" in line:
        line = line.rsplit("\r", 1)[1]
    return line


def shown_line(line: str) -> str:
    """What the pane keeps of a line: no control characters, at most SHOWN_LINE_CHARS of it."""
    return _shown(line)[0]


def _width(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def _shown(line: str) -> tuple[str, int]:
    """`shown_line(line)` and its width in cells (measured on the short parts only)."""
    if "\t" in line:
        line = line.expandtabs()
    if not line.isprintable():
        line = line.translate(CONTROLS)
    if len(line) <= SHOWN_LINE_CHARS:
        return line, _width(line)
    kept = line[:SHOWN_LINE_CHARS]
    # TRANSLATORS: after the start of a very long line of a tool's output in the run's
    # output pane; the whole line is in the run's log file.
    more = " " + _("… ({count} more characters in the log file)").format(
        count=len(line) - SHOWN_LINE_CHARS)
    return kept + more, _width(kept) + cell_len(more)


class LineSplitter:
    """Bytes in, finished clean lines out; keeps the partial tail between chunks.

    UTF-8 is decoded incrementally (a character cut between chunks is kept for the next one,
    invalid bytes become U+FFFD), escape sequences are stripped, and a line rewritten with `\\r`
    (progress bars) keeps only its last state.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._tail = ""

    def feed(self, data: bytes | str) -> list[str]:
        text = data if isinstance(data, str) else self._decoder.decode(data)
        if self._tail:
            text = self._tail + text
        end = text.rfind("\n")
        if end < 0:
            self._tail = text
            if len(text) > MAX_PARTIAL_LINE:
                self._tail = ""
                return self._clean(text)
            return []
        self._tail = text[end + 1:]
        return self._clean(text[:end])

    def finish(self) -> list[str]:
        """The last, unterminated line (if any), once the stream has ended."""
        text = self._tail + self._decoder.decode(b"", final=True)
        self._tail = ""
        return self._clean(text) if text else []

    @staticmethod
    def _clean(text: str) -> list[str]:
        if "\x1b" in text:
            text = ANSI_ESCAPE.sub("", text)
        lines = text.split("\n")
        if "\r" in text:
            lines = [clean_line(line) for line in lines]
        return lines


class LogPane(ScrollView, can_focus=True):
    """A log fed from any thread in batches, with a file copy, bounded in lines and line length.

    `feed()` may be called from any thread; `follow_stream()` / `follow_file()` start a thread
    worker that reads for you. Lines older than `max_lines` are dropped before they reach the
    screen (they are in the log file), so a burst never costs more than one screenful of work.
    `lines` holds what the pane keeps (each line as shown, see `shown_line`).
    """

    # The terminal's own colours and no side borders: a row the terminal scrolled in is blank
    # in its own colours in any terminal, so a new line costs its text and nothing more (no
    # colour codes, no border cells). The scroll bar shows while reading back (it would move
    # with the rows when the terminal scrolls them).
    DEFAULT_CSS = """
    LogPane {
        background: ansi_default;
        color: ansi_default;
        overflow: scroll;
        border-top: solid $primary 50%;
        border-bottom: solid $primary 50%;
        border-title-color: $text-muted;
        scrollbar-size-vertical: 0;
        scrollbar-size-horizontal: 0;
    }
    LogPane.-reading {
        scrollbar-size-vertical: 1;
    }
    LogPane:focus {
        border-top: solid $primary;
        border-bottom: solid $primary;
    }
    """

    class Finished(Message):
        """The stream ended and its last line is on screen."""

        def __init__(self, pane: LogPane, lines_total: int) -> None:
            super().__init__()
            self.pane = pane
            self.lines_total = lines_total

        @property
        def control(self) -> LogPane:
            return self.pane

    def __init__(self, *, max_lines: int = 10_000, flush_hz: float = DEFAULT_FLUSH_HZ,
                 log_file: Path | None = None, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.max_lines = max(1, max_lines)
        self.flush_interval = 1.0 / max(0.5, flush_hz)
        self.log_path = log_file
        self._log_file: TextIO | None = None
        self._splitter = LineSplitter()
        # Writers (the splitter, the log file) take `_input_lock`; the screen takes only
        # `_lock`, held just to hand over the buffer, so a slow disk never stalls the screen.
        self._input_lock = threading.Lock()
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._pending_width = 0
        self.lines_total = 0  # lines received (not only those still shown)
        self.last_line: str | None = None  # the last line received, whole, for callers and tests
        self._ended = False
        self._rested_at = 0.0
        self._flushed_at = 0.0
        # The screen's side. Rows count from `_base`, the number of the line at row 0 since
        # the stream began; lines before `_dropped` are gone (the file has them).
        self._lines: list[str] = []
        self._dropped = 0
        self._base = 0
        self._floor = 0  # rows kept scrollable below the last line after a page turn
        self._width = 0
        self._pinned = True  # follow the newest line
        self._page_turns = True  # see `page_turns`
        self._strips: LRUCache[int, Strip] = LRUCache(256)
        # Rows asked to be painted and not painted yet: the terminal does not show them, so
        # it must not be asked to move them.
        self._unpainted: set[int] = set()
        self.terminal_scrolls = 0  # times the terminal scrolled the rows itself (tests, bench)

    @property
    def lines(self) -> list[str]:
        """The lines the pane keeps, oldest first (read only)."""
        return self._lines

    @property
    def page_turns(self) -> bool:
        """Whether a following pane turns a page when new lines do not fit (the newest lines
        at the top, the rows below free: few bytes to the terminal), or, off, scrolls like a
        terminal: the newest line on the bottom row, the rows above full of the lines before
        it (the pane alone on the screen, to be read)."""
        return self._page_turns

    @page_turns.setter
    def page_turns(self, value: bool) -> None:
        self._page_turns = value
        if not value:
            self.show_end()

    def show_end(self) -> None:
        """While following: the newest line on the bottom row and the lines before it above
        (after a page turn, as the terminal would scroll). Worth it when the pane is painted
        whole anyway: shown alone, or uncovered by a dialog that was over it."""
        if self._pinned and self._lines and self._floor:
            self._floor = 0
            end = self._dropped + len(self._lines) - self._base
            self.virtual_size = Size(self._width, end)
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True,
                                    x_axis=False)

    @property
    def auto_scroll(self) -> bool:
        """Whether the pane follows the newest line now."""
        return self._pinned

    def on_mount(self) -> None:
        self.set_interval(FLUSH_CHECK, self._check_flush, name="log-pane-flush")

    # --- any thread ---------------------------------------------------------------------
    def feed(self, data: bytes | str) -> int:
        """Take a chunk of output; return how many complete lines it finished."""
        with self._input_lock:
            lines = self._splitter.feed(data)
            self._accept(lines)
        return len(lines)

    def add_lines(self, lines: list[str]) -> None:
        """Take whole lines (messages of ffwizard itself) from any thread."""
        cleaned = []
        for line in lines:
            cleaned.extend(LineSplitter._clean(line))
        with self._input_lock:
            self._accept(cleaned)

    def end(self) -> None:
        """The stream is over: keep its unterminated last line and announce the end."""
        with self._input_lock:
            self._accept(self._splitter.finish())
            self._ended = True
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    def _accept(self, lines: list[str]) -> None:
        if not lines:
            return
        if self.log_path is not None:
            if self._log_file is None:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                self._log_file = open(self.log_path, "a", encoding="utf-8")
            self._log_file.write("\n".join(lines))
            self._log_file.write("\n")
            self._log_file.flush()
        self.lines_total += len(lines)
        self.last_line = lines[-1]
        shown = [_shown(line) for line in lines[-self.max_lines:]]
        widest = max(width for _, width in shown)
        with self._lock:
            pending = self._pending
            pending.extend(text for text, _ in shown)
            self._pending_width = max(self._pending_width, widest)
            overflow = len(pending) - self.max_lines
            if overflow > 0:
                del pending[:overflow]

    # --- readers (thread workers) ---------------------------------------------------------
    def follow_stream(self, stream: BinaryIO) -> None:
        """Read a pipe or file to its end in a thread worker, then post `Finished`."""

        def read() -> None:
            worker = get_current_worker()
            fd = stream.fileno()
            while not worker.is_cancelled:
                chunk = os.read(fd, CHUNK_SIZE)
                if not chunk:
                    break
                self.feed(chunk)
                self._pace()
            self._finish_from_thread()

        self.run_worker(read, thread=True, group="log-pane-reader", exit_on_error=False)

    def follow_file(self, path: Path, *, until: Callable[[], bool],
                    start_at_tail: int | None = None, poll: float = 0.2) -> None:
        """Tail a file another process writes (a detached run's output) until `until()` is true.

        `start_at_tail`: read only the last that many bytes of what is already there (a
        re-attach to a huge log shows its end at once; 0: nothing of it). The file may not
        exist yet; when it is replaced by a new one (moved aside), the new one is read whole.
        """

        def read() -> None:
            worker = get_current_worker()
            handle = None
            skip = start_at_tail  # the first file opened: only its end
            try:
                while not worker.is_cancelled:
                    if handle is None:
                        try:
                            handle = open(path, "rb")
                        except FileNotFoundError:
                            if until():
                                break
                            time.sleep(poll)
                            continue
                        size = os.fstat(handle.fileno()).st_size
                        if skip == 0:
                            handle.seek(size)  # only what is written from now on
                        elif skip is not None and size > skip:
                            handle.seek(size - skip)
                            handle.readline()  # skip the cut line
                    chunk = handle.read(CHUNK_SIZE)
                    if chunk:
                        self.feed(chunk)
                        continue
                    if until():
                        # The writer is done: take what it wrote since the last read.
                        while chunk := handle.read(CHUNK_SIZE):
                            self.feed(chunk)
                        break
                    if _replaced(path, handle):
                        # Moved aside and written anew (a copy started again): read the new
                        # file from its start.
                        handle.close()
                        handle, skip = None, None
                        continue
                    time.sleep(poll)
            finally:
                if handle is not None:
                    handle.close()
            self._finish_from_thread()

        self.run_worker(read, thread=True, group="log-pane-reader", exit_on_error=False)

    def _pace(self) -> None:
        """Rest now and then so a reader that never waits for data leaves the event loop
        the interpreter lock: a burst must not freeze the screen and its keys."""
        now = time.perf_counter()
        if now - self._rested_at >= READER_BURST:
            time.sleep(READER_REST)
            self._rested_at = time.perf_counter()

    def _finish_from_thread(self) -> None:
        self.end()
        try:
            self.app.call_from_thread(self._announce_end)
        except RuntimeError:
            pass  # the app is closing

    # --- the UI thread ----------------------------------------------------------------------
    def _check_flush(self) -> None:
        if self._pending and time.monotonic() - self._flushed_at >= self.flush_interval:
            self.flush()

    def flush(self) -> None:
        """Move the buffered lines to the screen in one batch."""
        with self._lock:
            lines, self._pending = self._pending, []
            width, self._pending_width = self._pending_width, 0
        if lines:
            self._flushed_at = time.monotonic()
            self._append(lines, width)

    def write_lines(self, lines, scroll_end: bool | None = None) -> LogPane:
        """Show lines at once (UI thread), as they are, without a copy in the log file."""
        shown = [_shown(line) for text in lines for line in (text.splitlines() or [""])]
        shown = shown[-self.max_lines:]
        if shown:
            self._append([text for text, _ in shown], max(width for _, width in shown),
                         follow=scroll_end)
        return self

    def write_line(self, line: str, scroll_end: bool | None = None) -> LogPane:
        return self.write_lines([line], scroll_end)

    def clear(self) -> LogPane:
        """Forget the lines shown (not the buffered ones, not the file)."""
        self._dropped += len(self._lines)
        self._lines.clear()
        self._base, self._floor, self._width = self._dropped, 0, 0
        self._strips.clear()
        self.virtual_size = Size(0, 0)
        self.scroll_to(0, 0, animate=False)
        self.refresh()
        return self

    @property
    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _append(self, lines: list[str], widest: int, follow: bool | None = None) -> None:
        stored = self._lines
        height = self._page_height
        # The lines on screen now, by their number since the stream began.
        shown_top = self._base + round(self.scroll_y)
        shown_end = min(self._dropped + len(stored), shown_top + height)
        overflow = max(0, len(stored) + len(lines) - self.max_lines)
        stored.extend(lines)
        if overflow:
            del stored[:overflow]
        self._dropped += overflow
        self._width = max(self._width, widest)
        first_new = self._dropped + len(stored) - len(lines) - self._base  # row of the 1st new line
        end = self._dropped + len(stored) - self._base  # rows in use
        top = round(self.scroll_y)
        if follow is None:
            follow = self._pinned and not self.is_vertical_scrollbar_grabbed
        rows = self._terminal_rows() if follow else None
        if follow and (not self._page_turns or rows is not None):
            # Like a terminal: the newest line on the bottom row.
            if self._base != self._dropped:
                self._base = self._dropped
                self._strips.clear()
                first_new = 0
            end = len(stored)
            self._floor = 0
            bottom = max(0, end - height)
            if bottom != top:
                first_new = 0  # every row moves: the whole pane is painted
            top = bottom
        elif follow:
            # The pane counts at least a page of rows: a line that fits changes no scroll bar.
            self._floor = max(self._floor, top + height)
            if end - top <= height and self._base + top >= self._dropped:
                pass  # the new lines fit below the last one: only their rows are painted
            else:
                # Start again from row 0 (the whole pane is painted anyway).
                self._base = self._dropped
                end = len(stored)
                keep = max(1, int(height * PAGE_TURN_KEEP))
                if len(lines) + keep >= height:
                    top, self._floor = max(0, end - height), 0  # a pageful: show the end
                else:
                    top = max(0, end - len(lines) - keep)  # a page turn
                    self._floor = top + height
                first_new = 0
                self._strips.clear()
        elif self._base < self._dropped:
            # Reading further up while old lines go: keep the same lines in view while they last.
            top = max(0, top - (self._dropped - self._base))
            self._base = self._dropped
            end = len(stored)
            self._floor = 0
            first_new = 0
            self._strips.clear()
        if rows is not None and first_new == 0 and self._scroll_terminal(
                rows, shown_top, shown_end, top, end, height):
            return
        self.virtual_size = Size(self._width, max(end, self._floor))
        if top != round(self.scroll_y):
            self.scroll_to(y=top, animate=False, force=True)
        if first_new == 0:
            self.refresh()
        else:
            self.refresh_lines(first_new, end - first_new)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> LogPane:
        if repaint and self.is_mounted:
            height = self.size.height
            if not regions:
                self._unpainted.update(range(height))
            for region in regions:
                self._unpainted.update(range(max(0, region.y), min(height, region.bottom)))
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _terminal_rows(self) -> tuple[int, int] | None:
        """The terminal rows (first, last; 1-based) the terminal may scroll for the pane: its
        inner rows, when it spans the whole width and nothing else is drawn on them (a dialog,
        a notification, another widget beside it); else None."""
        app = self.app
        screen = self.screen
        if (app.is_headless or app.is_inline or app._driver is None  # textual: pinned
                or not screen.is_current or self.text_selection is not None
                or self._unpainted):
            return None
        region, content = self.region, self.scrollable_content_region
        if region.x != 0 or region.width != screen.size.width or content.height < 2:
            return None
        band = Region(0, content.y, region.width, content.height)
        mine = {self, *self.ancestors_with_self}
        for widget, (where, clip) in screen._compositor.visible_widgets.items():
            if widget not in mine and where.intersection(clip).overlaps(band):
                return None  # this scroll bar too: the terminal would move its thumb
        return content.y + 1, content.y + content.height

    def _scroll_terminal(self, rows: tuple[int, int], shown_top: int, shown_end: int,
                         top: int, end: int, height: int) -> bool:
        """Show rows `top`… of the pane by having the terminal move the lines it already
        shows up, then paint only the rows below them; False when that would save nothing."""
        new_top = self._base + top  # the line that goes on the first row
        moved = shown_end - new_top  # rows of lines already on screen that stay in view
        shift = new_top - shown_top
        if not (0 < shift < height and moved > 0):
            return False
        first, last = rows
        # A scrolling region of the pane's rows, scrolled up, the region reset (DECSTBM and
        # SU, as curses does where the terminal has them: xterm, VTE, PuTTY, tmux, xterm.js).
        scroll_up = "\x1b[S" if shift == 1 else f"\x1b[{shift}S"
        self.app._driver.write(f"\x1b[{first};{last}r{scroll_up}\x1b[r")
        self.terminal_scrolls += 1
        # The model follows without Textual's repaint of every row.
        self.set_reactive(LogPane.virtual_size, Size(self._width, max(end, self._floor)))
        self.set_reactive(LogPane.scroll_target_y, float(top))
        self.set_reactive(LogPane.scroll_y, float(top))
        self._styles_cache.clear()  # every row's cached strip moved (textual: pinned)
        width = self.scrollable_content_region.width
        if self.rich_style != TERMINAL_COLOURS:
            self.refresh(Region(0, moved, width, height - moved))
            return True
        # The rows scrolled in are blank in the terminal's own colours, the pane's: only the
        # text of each is sent.
        for row in range(moved, height):
            index = self._base + top + row - self._dropped
            if 0 <= index < len(self._lines):
                self.refresh(Region(0, row, min(width, _width(self._lines[index])) or 1, 1))
        return True

    def on_resize(self) -> None:
        # Rows below a shrunk pane are never painted: they must not hold the terminal's
        # scrolling off for good.
        self._unpainted.intersection_update(range(self.size.height))
        # The pane shrank (a status line appeared below it): keep the newest line in view.
        if self._pinned and self._lines:
            self._floor = 0
            end = self._dropped + len(self._lines) - self._base
            self.virtual_size = Size(self._width, end)
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True,
                                    x_axis=False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # The user scrolled up to read: stop following until they come back to the end.
        self._pinned = new_value >= self.max_scroll_y - 1
        self.set_class(not self._pinned, "-reading")

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        self._unpainted.discard(y)
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        index = self._base + row - self._dropped
        width = self.scrollable_content_region.width
        style = self.rich_style
        if style == TERMINAL_COLOURS:
            style = NO_STYLE  # sent without a colour code: the terminal's own colours
        if not 0 <= index < len(self._lines):
            return Strip.blank(width, style)
        key = self._base + row
        selection = self.text_selection
        strip = self._strips.get(key) if selection is None else None
        if strip is None:
            line = self._lines[index]
            if selection is not None and (span := selection.get_span(row)) is not None:
                text = Text(line, no_wrap=True, style=style)
                start, stop = span
                selected = self.screen.get_component_rich_style("screen--selection")
                text.stylize(selected, start, len(line) if stop == -1 else stop)
                strip = Strip(text.render(self.app.console), cell_len(line))
            else:
                strip = Strip([Segment(line, style)], _width(line))
                self._strips[key] = strip
        strip = strip.crop_extend(scroll_x, scroll_x + width, style)
        if style is not NO_STYLE:
            # One segment for the text and the blank after it (the same style): one colour
            # code sent per row, not two. Without colour codes the blank stays apart, so a
            # row the terminal scrolled in (blank already) is sent only its text.
            strip = strip.simplify()
        return strip.apply_offsets(scroll_x, row)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        text = "\n" * (self._dropped - self._base) + "\n".join(self._lines)
        return selection.extract(text), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._strips.clear()
        self.refresh()

    def _announce_end(self) -> None:
        self.flush()
        self.post_message(self.Finished(self, self.lines_total))

    def on_unmount(self) -> None:
        with self._input_lock:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None


def _replaced(path: Path, handle: BinaryIO) -> bool:
    """Whether `path` now names another file than the one `handle` reads."""
    try:
        return os.stat(path).st_ino != os.fstat(handle.fileno()).st_ino
    except OSError:
        return False  # moved away and not there again yet: keep the old one until it is
