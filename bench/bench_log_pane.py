"""How fast the run screen's log pane takes a tool's output, and what it costs the UI.

A child process prints N lines of ~80 bytes (some with colour escapes, some rewritten with
`\\r` like a progress bar) to a pipe. The real `LogPane` (headless app via `run_test`) reads it,
writes the run's log file and shows the lines. Measured:

- lines/s from the first byte until the last line is on screen;
- the worst UI stall: how late a 10 ms timer fired, at worst;
- peak RSS of the process running the app (each measurement runs in its own process);
- whether the last line shown on screen is the last line written.

Baseline, in the same run: the best plain pattern, a plain Textual `Log` fed by the same reader
thread (64 KiB chunks, the same line splitter) with one `write_lines` every 100 ms (and a
`refresh()` after it, without which a full `Log(max_lines)` shows stale lines). A second,
labelled baseline: the naive pattern, `async for line in proc.stdout` and `Log.write_line` per
line; it is ~100x slower, so it gets fewer lines (default 20,000); its lines/s is a rate and
compares as is.

Then the same with lines of 2,000 characters (`--long-lines 100000` of them), the Run screen's
settings (`max_lines=5000`, the default flush rate): peak RSS of the pane against the chunked
plain `Log`, each in a fresh process.

    .venv/bin/python bench/bench_log_pane.py [--lines 1000000] [--baseline-lines 20000]
                                             [--long-lines 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_LINES_PER_S = 150_000
TARGET_STALL_MS = 60
TARGET_RSS_MB = 200
TARGET_LONG_RSS_MB = 150
LONG_LINE = 2000
SHIPPED_MAX_LINES = 5000  # what the Run screen gives its LogPane

# The child: writes `count` numbered lines in large blocks, as a busy tool does.
PRODUCER = r"""
import sys
count = int(sys.argv[1])
width = int(sys.argv[2]) if len(sys.argv) > 2 else 0
out = sys.stdout.buffer
block = []
filler = b" payload=" + b"0123456789abcdef" * (width // 16 + 1)
for i in range(count):
    if width:
        line = b"2026-11-25T12:00:00.000Z INFO migrate: object %%09d" %% i
        line = (line + filler)[:width] + b"\n"
    elif i % 100 == 7:
        line = b"\x1b[32mprogress\x1b[0m %%d%%%%\r" %% (i %% 100)
        line += b"2026-11-25T12:00:00.000Z INFO migrate: progress line %%09d ................\n" %% i
    else:
        line = b"2026-11-25T12:00:00.000Z INFO migrate: ffsec_face_events object %%09d done\n" %% i
    block.append(line)
    if len(block) == 2000:
        out.write(b"".join(block))
        block.clear()
out.write(b"".join(block))
out.flush()
""".replace("%%", "%")


def last_line_text(count: int, width: int = 0) -> str:
    i = count - 1
    if width:
        return f"2026-11-25T12:00:00.000Z INFO migrate: object {i:09d}"
    if i % 100 == 7:
        return f"2026-11-25T12:00:00.000Z INFO migrate: progress line {i:09d} ................"
    return f"2026-11-25T12:00:00.000Z INFO migrate: ffsec_face_events object {i:09d} done"


def start_producer(count: int, width: int = 0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PRODUCER, str(count), str(width)],
                            stdout=subprocess.PIPE, bufsize=0)


def chunked_log_class():
    """The best plain pattern: a `Log` fed by a reader thread, one `write_lines` every 100 ms."""
    import os
    import threading

    from textual.widgets import Log
    from textual.worker import get_current_worker

    from ffwizard.ui.widgets.log_pane import CHUNK_SIZE, LineSplitter

    class ChunkedLog(Log):
        def __init__(self, max_lines: int) -> None:
            super().__init__(max_lines=max_lines)
            self.lock = threading.Lock()
            self.pending: list[str] = []
            self.done = False

        def on_mount(self) -> None:
            self.set_interval(0.1, self.flush)

        def follow(self, stream, finished) -> None:
            def read() -> None:
                splitter = LineSplitter()
                worker = get_current_worker()
                while not worker.is_cancelled and (chunk := os.read(stream.fileno(), CHUNK_SIZE)):
                    lines = splitter.feed(chunk)
                    with self.lock:
                        self.pending.extend(lines)
                        del self.pending[:-self.max_lines]
                    time.sleep(0)
                with self.lock:
                    self.pending.extend(splitter.finish())
                    self.done = True
                self.app.call_from_thread(self.flush, finished)

            self.run_worker(read, thread=True)

        def flush(self, finished=None) -> None:
            with self.lock:
                lines, self.pending = self.pending, []
            if lines:
                self.write_lines(lines)
                self.refresh()  # a full Log(max_lines) repaints nothing otherwise
            if finished is not None:
                finished.set()

    return ChunkedLog


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(mode: str, count: int, width: int = 0) -> dict:
    from textual.app import App, ComposeResult
    from textual.widgets import Log

    from ffwizard.ui.widgets.log_pane import LogPane

    stalls: list[float] = []

    class BenchApp(App):
        def compose(self) -> ComposeResult:
            if mode == "pane":
                self.log_dir = tempfile.TemporaryDirectory()
                if width:  # the Run screen's settings
                    yield LogPane(max_lines=SHIPPED_MAX_LINES,
                                  log_file=Path(self.log_dir.name) / "run.log")
                else:
                    yield LogPane(max_lines=10_000, flush_hz=10,
                                  log_file=Path(self.log_dir.name) / "run.log")
            elif mode == "chunked":
                yield chunked_log_class()(SHIPPED_MAX_LINES if width else 10_000)
            else:
                yield Log(max_lines=10_000)

        def on_mount(self) -> None:
            self.last_tick = time.perf_counter()
            self.set_interval(0.01, self.tick)

        def tick(self) -> None:
            now = time.perf_counter()
            stalls.append(now - self.last_tick - 0.01)
            self.last_tick = now

    app = BenchApp()
    finished = asyncio.Event()
    async with app.run_test(size=(120, 40),
                            message_hook=lambda m: finished.set()
                            if type(m).__name__ == "Finished" else None) as pilot:
        await pilot.pause(0.2)
        stalls.clear()
        started = time.perf_counter()
        if mode == "idle":  # no output at all: what this machine's load alone costs the timer
            await asyncio.sleep(2.0)
            elapsed, shown, count = 2.0, None, 0
        elif mode == "pane":
            pane = app.query_one(LogPane)
            producer = start_producer(count, width)
            pane.follow_stream(producer.stdout)
            await finished.wait()
            elapsed = time.perf_counter() - started
            shown = pane.lines[-1]
        elif mode == "chunked":
            log = app.query_one(Log)
            producer = start_producer(count, width)
            done = asyncio.Event()
            log.follow(producer.stdout, done)
            await done.wait()
            elapsed = time.perf_counter() - started
            shown = log.lines[-1]
        else:
            log = app.query_one(Log)
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", PRODUCER, str(count), stdout=asyncio.subprocess.PIPE,
                limit=1 << 20)
            async for raw in proc.stdout:
                log.write_line(raw.decode("utf-8", "replace").rstrip("\n").rsplit("\r", 1)[-1])
            await proc.wait()
            elapsed = time.perf_counter() - started
            shown = log.lines[-1]
        await pilot.pause(0.3)
        rows = [strip.text for strip in app.screen._compositor.render_strips()]
    expected = last_line_text(count, width)
    return {
        "mode": mode,
        "lines": count,
        "seconds": round(elapsed, 3),
        "lines_per_s": round(count / elapsed) if count else 0,
        "worst_stall_ms": round(max(stalls, default=0.0) * 1000, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "last_line_in_model": shown is not None and shown.startswith(expected)
        and (width or shown == expected),
        "last_line_on_screen": any(expected[:70] in row for row in rows),
    }


def run_child(mode: str, count: int, width: int = 0) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", mode, "--lines", str(count),
                             "--width", str(width)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{mode} run failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--baseline-lines", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the pane measurement; the median run is reported")
    parser.add_argument("--long-lines", type=int, default=100_000,
                        help=f"lines of {LONG_LINE:,} characters for the memory rows (0: skip)")
    parser.add_argument("--child", choices=("pane", "chunked", "naive", "idle"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--width", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(measure(args.child, args.lines, args.width))))
        return 0
    load = os.getloadavg()

    idle = run_child("idle", 0)
    runs = sorted((run_child("pane", args.lines) for _ in range(max(1, args.repeat))),
                  key=lambda run: run["worst_stall_ms"])
    pane = runs[len(runs) // 2]
    chunked = run_child("chunked", args.lines)
    naive = run_child("naive", args.baseline_lines)
    print(f"{'':34}{'LogPane':>14}{'chunked Log':>14}{'naive write_line':>18}{'target':>10}")
    print(f"{'lines fed':34}{pane['lines']:>14,}{chunked['lines']:>14,}{naive['lines']:>18,}")
    print(f"{'lines/s':34}{pane['lines_per_s']:>14,}{chunked['lines_per_s']:>14,}"
          f"{naive['lines_per_s']:>18,}{'>= ' + format(TARGET_LINES_PER_S, ','):>10}")
    print(f"{'worst UI stall (10 ms timer), ms':34}{pane['worst_stall_ms']:>14}"
          f"{chunked['worst_stall_ms']:>14}{naive['worst_stall_ms']:>18}"
          f"{'<= ' + str(TARGET_STALL_MS):>10}")
    print(f"{'peak RSS, MB':34}{pane['peak_rss_mb']:>14}{chunked['peak_rss_mb']:>14}"
          f"{naive['peak_rss_mb']:>18}{'<= ' + str(TARGET_RSS_MB):>10}")
    print(f"{'last line shown = last written':34}{str(pane['last_line_on_screen']):>14}"
          f"{str(chunked['last_line_on_screen']):>14}{str(naive['last_line_on_screen']):>18}")
    print(f"\n{len(runs)} LogPane runs, worst stalls (ms): "
          f"{', '.join(str(run['worst_stall_ms']) for run in runs)}; lines/s: "
          f"{', '.join(format(run['lines_per_s'], ',') for run in runs)} (median run shown)")
    print(f"an idle app on this machine, same timer, 2 s: worst stall {idle['worst_stall_ms']} ms "
          f"(load from other processes)")
    ratio = pane["lines_per_s"] / max(naive["lines_per_s"], 1)
    print(f"LogPane is {ratio:,.0f}x the naive rate; the baseline fed {naive['lines']:,} lines "
          f"instead of {pane['lines']:,} (rates compare as is; its stall grows with the count).")
    long_ok = True
    if args.long_lines:
        long_pane = run_child("pane", args.long_lines, LONG_LINE)
        long_plain = run_child("chunked", args.long_lines, LONG_LINE)
        print(f"\n{args.long_lines:,} lines of {LONG_LINE:,} characters, max_lines "
              f"{SHIPPED_MAX_LINES:,} (the Run screen's), a fresh process each:")
        print(f"{'':34}{'LogPane':>14}{'chunked Log':>14}{'target':>10}")
        print(f"{'peak RSS, MB':34}{long_pane['peak_rss_mb']:>14}{long_plain['peak_rss_mb']:>14}"
              f"{'<= ' + str(TARGET_LONG_RSS_MB):>10}")
        print(f"{'lines/s':34}{long_pane['lines_per_s']:>14,}{long_plain['lines_per_s']:>14,}")
        print(f"{'worst UI stall, ms':34}{long_pane['worst_stall_ms']:>14}"
              f"{long_plain['worst_stall_ms']:>14}")
        print(f"{'last line shown = last written':34}{str(long_pane['last_line_on_screen']):>14}"
              f"{str(long_plain['last_line_on_screen']):>14}")
        long_ok = (long_pane["peak_rss_mb"] <= TARGET_LONG_RSS_MB
                   and long_pane["last_line_in_model"] and long_pane["last_line_on_screen"])
    load_after = os.getloadavg()
    print(f"\nload average {load[0]:.1f} before, {load_after[0]:.1f} after ({os.cpu_count()} cores)")
    ok = long_ok and (pane["lines_per_s"] >= TARGET_LINES_PER_S and pane["worst_stall_ms"] <= TARGET_STALL_MS
          and pane["peak_rss_mb"] <= TARGET_RSS_MB and pane["last_line_on_screen"]
          and pane["last_line_in_model"])
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
