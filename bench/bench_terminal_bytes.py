"""Bytes the wizard sends to the terminal while the Run screen's log pane streams a tool's output.

The real wizard (`ffwizard wizard --runtime sim` on a demo sandbox) runs in a pseudo-terminal,
as over SSH (TERM=xterm-256color, no COLORTERM: what OpenSSH forwards), driven from the
keyboard to the Run screen. The simulated migration tool is paced (FFSIM_PACE) so that it copies
for the whole measurement, and prints extra lines at a rate this benchmark sets while it runs
(FFSIM_CHATTER_LINES_PER_S, read from a file). Everything the wizard writes to the terminal is
counted, per second, at 120×40 and then 80×24 (the terminal is resized in between), for the
tool printing 0 (only its own progress line each second), 1, 50, 500 and 5,000 lines a second;
then once the run is over, at idle. "New text" is what the tool wrote to its log in the same
window: the bytes of the lines themselves.

Baseline, in the same run: the same wizard with the log pane replaced by the best plain
pattern — a plain Textual `Log` (no line limit, so it never shows stale lines) fed the same
lines, chunked, with one `write_lines` every 100 ms (10 Hz).

    .venv/bin/python bench/bench_terminal_bytes.py [--seconds 5] [--low-rate-seconds 30]
                                                   [--only pane|plain]

Needs nothing but this checkout; set FFSIM_PORT_REGISTRY to a fresh directory when other test
suites run simulated sandboxes on the same machine.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(120, 40), (80, 24)]
RATES = [0, 1, 50, 500, 5000]
TARGET_KIB_S = 100
TARGET_LOW_RATE_RATIO = 2.0
# The low rates (its rates are 1, 50, 500, 5,000 lines/s). At 0 (the tool's progress
# line alone) the Run screen's progress row is measured against ~66 bytes a second: shown, not
# a target.
LOW_RATES = (1, 50)
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_=>]")


# --- the wizard, in the pseudo-terminal ----------------------------------------------------------
def run_wizard(variant: str, root: str) -> int:
    """The child: the real wizard, with the plain `Log` baseline swapped in when asked."""
    sys.path.insert(0, str(ROOT))
    if variant == "plain":
        import ffwizard.ui.screens.run as run_screen

        run_screen.LogPane = plain_log_class()
    from ffwizard.cli import main

    return main(["wizard", "--root", root, "--runtime", "sim"])


def plain_log_class():
    """A plain `Log`, chunked at 10 Hz: the reading of `LogPane` (same thread, same file tail),
    none of its screen side."""
    from textual.widgets import Log

    from ffwizard.ui.widgets.log_pane import LineSplitter, LogPane

    class PlainLog(Log):
        DEFAULT_CSS = LogPane.DEFAULT_CSS.replace("LogPane", "PlainLog")
        follow_file = LogPane.follow_file
        _finish_from_thread = LogPane._finish_from_thread

        def __init__(self, *, max_lines=None, id=None, **_ignored) -> None:
            super().__init__(max_lines=None, auto_scroll=True, id=id)
            self._lock = threading.Lock()
            self._splitter = LineSplitter()
            self._pending: list[str] = []

        def on_mount(self) -> None:
            self.set_interval(0.1, self.flush)

        def feed(self, data) -> int:
            with self._lock:
                lines = self._splitter.feed(data)
                self._pending.extend(lines)
            return len(lines)

        def add_lines(self, lines) -> None:
            with self._lock:
                self._pending.extend(lines)

        def end(self) -> None:
            with self._lock:
                self._pending.extend(self._splitter.finish())

        def _announce_end(self) -> None:
            self.flush()

        def flush(self) -> None:
            with self._lock:
                lines, self._pending = self._pending, []
            if lines:
                self.write_lines(lines)

    return PlainLog


class Terminal:
    """A pseudo-terminal running `argv`; a thread reads everything it draws and counts it."""

    def __init__(self, argv: list[str], env: dict, size: tuple[int, int]) -> None:
        master, slave = pty.openpty()
        self.master = master
        self._set_size(size)
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        cwd=ROOT, start_new_session=True)
        os.close(slave)
        self.total = 0
        self.tail = bytearray()
        self.recorded = bytearray()  # everything since `record()`
        self.pane: tuple[int, int, int] | None = None  # top row, bottom row, left column
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _set_size(self, size: tuple[int, int]) -> None:
        columns, rows = size
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def resize(self, size: tuple[int, int]) -> None:
        self._set_size(size)
        os.killpg(self.process.pid, signal.SIGWINCH)

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if not ready:
                if self.process.poll() is not None:
                    return
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.total += len(chunk)
                self.tail += chunk
                del self.tail[:-200_000]
                self.recorded += chunk

    def text(self, last: int = 200_000) -> str:
        with self.lock:
            data = bytes(self.tail[-last:])
        return ANSI.sub("", data.decode("utf-8", "replace"))

    def wait_for(self, wanted: str, timeout: float = 120.0, last: int = 60_000) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if wanted in self.text(last):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemExit(f"the wizard never showed {wanted!r}; last drawn:\n{self.text()[-3000:]}")

    def keys(self, *keys: bytes) -> None:
        for key in keys:
            os.write(self.master, key)
            time.sleep(0.3)

    def record(self) -> bytes:
        """What was drawn since the last call; finds where the log pane is on the way."""
        with self.lock:
            data, self.recorded = bytes(self.recorded), bytearray()
        # The pane spans the width: its top border row holds its title, its bottom border is
        # the next row drawn from the first column as a rule.
        sgr = rb"(?:\x1b\[[0-9;]*m)*"
        titles = list(re.finditer(rb"\x1b\[(\d+);1H" + sgr + "─".encode() + b"?" + sgr
                                  + rb"output", data))
        if titles:
            top = int(titles[-1][1])
            rules = [int(m[1]) for m in re.finditer(
                rb"\x1b\[(\d+);1H" + sgr + b"(?:" + "─".encode() + b"){20}", data)]
            below = [row for row in rules if row > top]
            if below:
                self.pane = (top, min(below), 1)
        return data

    def pane_bytes(self, data: bytes) -> int:
        """The bytes of `data` drawn inside the log pane (its borders too), and the scrolls the
        pane has the terminal make."""
        if self.pane is None:
            return -1
        top, bottom, left = self.pane
        moves = list(re.finditer(rb"\x1b\[(\d+);(\d+)H", data))
        inside = sum(len(m[0]) for m in re.finditer(rb"\x1b\[\d+;\d+r\x1b\[\d*S\x1b\[r", data))
        for move, after in zip(moves, moves[1:] + [None]):
            end = after.start() if after else len(data)
            if top <= int(move[1]) <= bottom and int(move[2]) >= left:
                inside += end - move.start()
        return inside

    def forget(self) -> None:
        with self.lock:
            self.tail.clear()

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGHUP)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.master)


ENTER, RIGHT = b"\r", b"\x1b[C"


def measure(variant: str, seconds: float, low_rate_seconds: float, objects: int,
            pace: int) -> dict:
    from ffwizard.runtime.sim import prepare_demo, stop_demo

    work = Path(tempfile.mkdtemp(prefix="bench-terminal-"))
    rate_file = work / "chatter-rate"
    rate_file.write_text("0")
    demo = prepare_demo(work / "sandbox", shards=2, objects=objects, types=("face",))
    root = demo.root
    (root / ".sim").mkdir(exist_ok=True)
    (root / ".sim" / "faults.json").write_text(json.dumps(
        {"FFSIM_PACE": pace, "FFSIM_CHATTER_LINES_PER_S": str(rate_file)}))
    env = {key: value for key, value in os.environ.items()
           if key not in ("COLORTERM", "TEXTUAL_FPS", "NO_COLOR", "TEXTUAL_COLOR_SYSTEM")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", FFWIZARD_POLL_INTERVAL="2")
    log = root / ".ffwizard" / "run" / "migration.log"
    term = Terminal([sys.executable, __file__, "--wizard", variant, str(root)], env, SIZES[0])
    rows: list[dict] = []
    try:
        term.wait_for("Welcome", timeout=60)
        time.sleep(1.0)
        term.keys(ENTER)
        for wanted in ("Models", "Shards", "Settings", "Review"):
            term.wait_for(wanted)
            time.sleep(0.5)
            term.forget()
            term.keys(ENTER)
        # Enter does nothing on Review until the plan is made; then Apply asks first.
        for _attempt in range(60):
            time.sleep(1.0)
            if "Cancel" in term.text(30_000):
                break
            term.keys(ENTER)
        term.wait_for("Start", timeout=5)
        time.sleep(0.5)
        term.keys(RIGHT, ENTER)
        # The copy has started once the tool's first progress line is in its log.
        deadline = time.monotonic() + 900  # the backup of a large sandbox comes first
        while time.monotonic() < deadline and "progress:" not in read_text(log):
            time.sleep(0.2)
        if "progress:" not in read_text(log):
            raise SystemExit(f"the migration never started; last drawn:\n{term.text()[-3000:]}")
        for size in SIZES:
            if size != SIZES[0]:
                term.resize(size)
            for rate in RATES:
                rate_file.write_text(str(rate))
                time.sleep(1.5)  # the tool reads the rate every 0.2 s; the pane settles
                term.record()
                # At 1 line/s a page turns every few tens of seconds: a longer window.
                length = max(seconds, low_rate_seconds) if rate <= 1 else seconds
                rows.append(window(term, log, length, size=size, rate=rate))
        rate_file.write_text("0")
        if "migration finished" in read_text(log):
            raise SystemExit("the migration ended during the measurement: raise --objects")
        # Let the run finish (the point of no return asks first), then measure it idle.
        term.forget()
        term.wait_for("point of no return", timeout=objects / max(pace, 1) + 120)
        time.sleep(0.5)
        term.keys(RIGHT, ENTER)
        term.wait_for("Results", timeout=180)
        for size in reversed(SIZES):
            if size != SIZES[-1]:
                term.resize(size)
            time.sleep(2.0)
            term.record()
            rows.append(window(term, log, seconds, size=size, rate=None))
    finally:
        term.close()
        stop_demo(root, release_ports=True)
        shutil.rmtree(work, ignore_errors=True)
    return {"variant": variant, "rows": rows}


def read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def window(term: Terminal, log: Path, seconds: float, **what) -> dict:
    size_before = log.stat().st_size if log.exists() else 0
    bytes_before = term.total
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    sent = term.total - bytes_before
    pane = term.pane_bytes(term.record())
    new_text = (log.stat().st_size if log.exists() else 0) - size_before
    return {**what, "seconds": round(elapsed, 2), "bytes_per_s": round(sent / elapsed),
            "pane_bytes_per_s": round(pane / elapsed) if pane >= 0 else None,
            "new_text_per_s": round(new_text / elapsed)}


# --- the report -----------------------------------------------------------------------------------
def kib(value: float) -> str:
    return f"{value / 1024:,.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each window")
    parser.add_argument("--low-rate-seconds", type=float, default=30.0,
                        help="length of the windows at 0 and 1 line/s")
    parser.add_argument("--objects", type=int, default=8000,
                        help="objects of the sandbox: the copy must outlast the measurement")
    parser.add_argument("--pace", type=int, default=25, help="objects/s the tool copies")
    parser.add_argument("--only", choices=("pane", "plain"))
    parser.add_argument("--json", action="store_true", help="print the raw figures too")
    parser.add_argument("--wizard", nargs=2, metavar=("VARIANT", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.wizard:
        return run_wizard(*args.wizard)

    # Stopped from outside: still stop the sandbox's services (the `finally` in measure()).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    load = os.getloadavg()
    variants = [args.only] if args.only else ["pane", "plain"]
    results = {v: measure(v, args.seconds, args.low_rate_seconds, args.objects, args.pace)["rows"] for v in variants}
    load_after = os.getloadavg()
    if args.json:
        print(json.dumps(results))
    label = {"pane": "LogPane", "plain": "plain Log 10 Hz"}
    print("KiB/s the wizard sent to the terminal (all of it; in brackets: drawn inside the log"
          " pane), and that as a multiple of the new text:")
    print(f"{'terminal, tool lines/s':26}{'new text':>10}"
          + "".join(f"{label[v]:>30}" for v in variants))
    ok = True
    for index, row in enumerate(results[variants[0]]):
        size = "{}×{}".format(*row["size"])
        what = "idle, run over" if row["rate"] is None else (
            "0 (+progress 1/s)" if row["rate"] == 0 else f"{row['rate']:,}")
        text = row["new_text_per_s"]
        line = f"{size + ', ' + what:26}{kib(text):>10}"
        for v in variants:
            got = results[v][index]
            sent, pane = got["bytes_per_s"], got["pane_bytes_per_s"]
            ratio = f"{sent / text:.1f}x" if text else "-"
            pane_ratio = f"{pane / text:.1f}x" if text and pane is not None else "-"
            pane_kib = kib(pane) if pane is not None else "?"
            line += f"{kib(sent) + ' ' + ratio + ' (' + pane_kib + ' ' + pane_ratio + ')':>30}"
        print(line)
        pane = results.get("pane", [None] * (index + 1))[index]
        if pane is not None:
            ok &= pane["bytes_per_s"] <= TARGET_KIB_S * 1024
            if row["rate"] is None:
                ok &= pane["bytes_per_s"] <= 200
            elif row["rate"] in LOW_RATES and text:
                ok &= pane["bytes_per_s"] <= TARGET_LOW_RATE_RATIO * text
    print(f"\nload average {load[0]:.1f} before, {load_after[0]:.1f} after "
          f"({os.cpu_count()} cores); windows of {args.seconds:g} s "
          f"({args.low_rate_seconds:g} s at 0 and 1 line/s)")
    if "pane" in results:
        print(f"targets (LogPane): ≤ {TARGET_KIB_S} KiB/s at any rate, ≤ "
              f"{TARGET_LOW_RATE_RATIO:g}× the new text at "
              + " and ".join(f"{rate:,}" for rate in LOW_RATES) + " lines/s, idle ≈ 0: "
              + ("met" if ok else "NOT MET"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
