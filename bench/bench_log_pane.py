"""How fast the run screen's log pane takes a tool's output, and what it costs the UI.

A child process prints N lines of ~80 bytes (some with colour escapes, some rewritten with
`\\r` like a progress bar) to a pipe. The real `LogPane` (headless app via `run_test`) reads it,
writes the run's log file and shows the lines. Measured:

- lines/s from the first byte until the last line is on screen;
- the worst UI stall: how late a 10 ms timer fired, at worst;
- peak RSS of the process running the app (each measurement runs in its own process);
- whether the last line shown on screen is the last line written.

Baseline, in the same run: the naive pattern, `async for line in proc.stdout` and
`Log.write_line` per line. It is ~100x slower, so it gets fewer lines (default 20,000); its
lines/s is a rate and compares as is.

    .venv/bin/python bench/bench_log_pane.py [--lines 1000000] [--baseline-lines 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_LINES_PER_S = 150_000
TARGET_STALL_MS = 60
TARGET_RSS_MB = 200

# The child: writes `count` numbered lines in large blocks, as a busy tool does.
PRODUCER = r"""
import sys
count = int(sys.argv[1])
out = sys.stdout.buffer
block = []
for i in range(count):
    if i % 100 == 7:
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


def last_line_text(count: int) -> str:
    i = count - 1
    if i % 100 == 7:
        return f"2026-11-25T12:00:00.000Z INFO migrate: progress line {i:09d} ................"
    return f"2026-11-25T12:00:00.000Z INFO migrate: ffsec_face_events object {i:09d} done"


def start_producer(count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PRODUCER, str(count)],
                            stdout=subprocess.PIPE, bufsize=0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(mode: str, count: int) -> dict:
    from textual.app import App, ComposeResult
    from textual.widgets import Log

    from ffwizard.ui.widgets.log_pane import LogPane

    stalls: list[float] = []

    class BenchApp(App):
        def compose(self) -> ComposeResult:
            if mode == "pane":
                self.log_dir = tempfile.TemporaryDirectory()
                yield LogPane(max_lines=10_000, flush_hz=10,
                              log_file=Path(self.log_dir.name) / "run.log")
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
            producer = start_producer(count)
            pane.follow_stream(producer.stdout)
            await finished.wait()
            elapsed = time.perf_counter() - started
            shown = pane.lines[-1]
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
    expected = last_line_text(count)
    return {
        "mode": mode,
        "lines": count,
        "seconds": round(elapsed, 3),
        "lines_per_s": round(count / elapsed) if count else 0,
        "worst_stall_ms": round(max(stalls, default=0.0) * 1000, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "last_line_in_model": shown == expected,
        "last_line_on_screen": any(expected[:70] in row for row in rows),
    }


def run_child(mode: str, count: int) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", mode, "--lines", str(count)],
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
    parser.add_argument("--child", choices=("pane", "naive", "idle"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(measure(args.child, args.lines))))
        return 0

    idle = run_child("idle", 0)
    runs = sorted((run_child("pane", args.lines) for _ in range(max(1, args.repeat))),
                  key=lambda run: run["worst_stall_ms"])
    pane = runs[len(runs) // 2]
    naive = run_child("naive", args.baseline_lines)
    print(f"{'':34}{'LogPane':>14}{'naive write_line':>18}{'target':>10}")
    print(f"{'lines fed':34}{pane['lines']:>14,}{naive['lines']:>18,}")
    print(f"{'lines/s':34}{pane['lines_per_s']:>14,}{naive['lines_per_s']:>18,}"
          f"{'>= ' + format(TARGET_LINES_PER_S, ','):>10}")
    print(f"{'worst UI stall (10 ms timer), ms':34}{pane['worst_stall_ms']:>14}"
          f"{naive['worst_stall_ms']:>18}{'<= ' + str(TARGET_STALL_MS):>10}")
    print(f"{'peak RSS, MB':34}{pane['peak_rss_mb']:>14}{naive['peak_rss_mb']:>18}"
          f"{'<= ' + str(TARGET_RSS_MB):>10}")
    print(f"{'last line shown = last written':34}{str(pane['last_line_on_screen']):>14}"
          f"{str(naive['last_line_on_screen']):>18}")
    print(f"\n{len(runs)} LogPane runs, worst stalls (ms): "
          f"{', '.join(str(run['worst_stall_ms']) for run in runs)}; lines/s: "
          f"{', '.join(format(run['lines_per_s'], ',') for run in runs)} (median run shown)")
    print(f"an idle app on this machine, same timer, 2 s: worst stall {idle['worst_stall_ms']} ms "
          f"(load from other processes)")
    ratio = pane["lines_per_s"] / max(naive["lines_per_s"], 1)
    print(f"LogPane is {ratio:,.0f}x the naive rate; the baseline fed {naive['lines']:,} lines "
          f"instead of {pane['lines']:,} (rates compare as is; its stall grows with the count).")
    ok = (pane["lines_per_s"] >= TARGET_LINES_PER_S and pane["worst_stall_ms"] <= TARGET_STALL_MS
          and pane["peak_rss_mb"] <= TARGET_RSS_MB and pane["last_line_on_screen"]
          and pane["last_line_in_model"])
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
