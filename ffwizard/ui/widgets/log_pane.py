"""A log pane that keeps up with a tool printing hundreds of thousands of lines a second.

Output is read in 64 KiB chunks on a thread, cut into clean lines (`LineSplitter`), written to
the run's log file there, and only *buffered* for the screen: the pane pulls the buffer on a
timer (5-20 Hz) and hands it to `Log.write_lines` in one batch. Per-line writes or per-line
messages freeze the event loop (see `bench/README.md`). The thread never touches a widget.
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

from textual.message import Message
from textual.widgets import Log
from textual.worker import get_current_worker

CHUNK_SIZE = 64 * 1024
# A line longer than this with no newline in sight is cut (a tool printing a progress bar
# with `\r` only, or binary garbage): the pane must not hold megabytes waiting for `\n`.
MAX_PARTIAL_LINE = 64 * 1024
# A busy reader works at most READER_BURST seconds, then sleeps READER_REST (bench/README.md).
READER_BURST = 0.02
READER_REST = 0.005
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


class LogPane(Log):
    """`Log` fed from any thread in batches, with a file copy and the full-pane repaint fix.

    `feed()` may be called from any thread; `follow_stream()` / `follow_file()` start a thread
    worker that reads for you. Lines older than `max_lines` are dropped before they reach the
    widget (they are in the log file), so a burst never costs more than one screenful of work.
    """

    DEFAULT_CSS = """
    LogPane {
        border: round $primary 50%;
        border-title-color: $text-muted;
        scrollbar-size-vertical: 1;
    }
    LogPane:focus {
        border: round $primary;
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

    def __init__(self, *, max_lines: int = 10_000, flush_hz: float = 10.0,
                 log_file: Path | None = None, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(max_lines=max_lines, auto_scroll=True, name=name, id=id, classes=classes)
        self.flush_interval = 1.0 / min(20.0, max(5.0, flush_hz))
        self.log_path = log_file
        self._log_file: TextIO | None = None
        self._splitter = LineSplitter()
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self.lines_total = 0  # lines received (not only those still shown)
        self.last_line: str | None = None  # the last line received, for callers and tests
        self._ended = False
        self._rested_at = 0.0
        self._pinned = True  # follow the newest line

    def on_mount(self) -> None:
        self.set_interval(self.flush_interval, self.flush, name="log-pane-flush")

    # --- any thread ---------------------------------------------------------------------
    def feed(self, data: bytes | str) -> int:
        """Take a chunk of output; return how many complete lines it finished."""
        with self._lock:
            lines = self._splitter.feed(data)
            self._accept(lines)
        return len(lines)

    def add_lines(self, lines: list[str]) -> None:
        """Take whole lines (messages of ffwizard itself) from any thread."""
        cleaned = []
        for line in lines:
            cleaned.extend(LineSplitter._clean(line))
        with self._lock:
            self._accept(cleaned)

    def end(self) -> None:
        """The stream is over: keep its unterminated last line and announce the end."""
        with self._lock:
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
        pending = self._pending
        pending.extend(lines)
        overflow = len(pending) - (self.max_lines or len(pending))
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
        re-attach to a huge log shows its end at once). The file may not exist yet.
        """

        def read() -> None:
            worker = get_current_worker()
            handle = None
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
                        if start_at_tail is not None and size > start_at_tail:
                            handle.seek(size - start_at_tail)
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
    def flush(self) -> None:
        """Move the buffered lines to the screen in one batch."""
        with self._lock:
            lines, self._pending = self._pending, []
        if lines:
            self.write_lines(lines)

    def write_lines(self, lines, scroll_end: bool | None = None):
        follow = self._pinned if scroll_end is None else scroll_end
        result = super().write_lines(lines, scroll_end=False)
        # Once a Log(max_lines) is full it stops repainting (the model has the new lines,
        # the screen keeps the old ones): repaint it all after every batch.
        self.refresh()
        if follow and self.auto_scroll and not self.is_vertical_scrollbar_grabbed:
            # After the new size is laid out: Log's own scroll_end may use the old height and
            # then, no longer at the end, stop following.
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True,
                                    x_axis=False)
        return result

    def on_resize(self) -> None:
        # The pane shrank (a status line appeared below it): keep the newest line in view.
        if self._pinned:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True,
                                    x_axis=False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # The user scrolled up to read: stop following until they come back to the end.
        self._pinned = new_value >= self.max_scroll_y - 1

    def _announce_end(self) -> None:
        self.flush()
        self.post_message(self.Finished(self, self.lines_total))

    def on_unmount(self) -> None:
        with self._lock:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None
