"""Pictures of every screen at 80×24, compared with the accepted ones in __snapshots__/.

Deterministic: the demo sandbox is shown at a fixed path (it lives in a directory of the run's
own, `snapshot_dir`, whose path the pictures show as SHOWN_DIR) with a fixed block of ports, free
disk and memory are pinned through the preflight's knobs, run ids are masked and cursors do not
blink.
Update after a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the pictures before committing them.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from textual.app import App

from ffwizard.demo.ports import PortBlock, port_is_free, registry_dir
from ffwizard.ui.app import create_app

# The sandboxes' parent directory as the pictures show it. The real one is the run's own
# (`snapshot_dir` in conftest.py), its path as long as this one so that every line wraps alike.
SHOWN_DIR = "/tmp/ffwizard-snapshots"
SNAPSHOT_DIR: Path | None = None  # the run's own, while a test runs (one_snapshot_run_at_a_time)
# The fixed ports below are the machine's: runs on one machine take turns on them, through the
# lock file earlier versions of these tests took too (nothing else is kept in that directory).
PORTS_LOCK = Path(SHOWN_DIR) / ".lock"
# Ports of their own, registered under offsets no ordinary sandbox reaches (their ports would
# pass 65535), so other sandboxes keep off them; all outside the ephemeral range (32768-60999)
# where client connections come and go.
BLOCKS = {
    "screens": dict(offset=90_000, shard_http=5610, shard_tarantool=61_100, sf_api=5690,
                    extraction_api=5691, upload=5692, ntls=5693),
    "done": dict(offset=90_250, shard_http=5710, shard_tarantool=61_300, sf_api=5790,
                 extraction_api=5791, upload=5792, ntls=5793),
    "run-done": dict(offset=90_500, shard_http=6410, shard_tarantool=61_900, sf_api=6490,
                     extraction_api=6491, upload=6492, ntls=6493),
    "run-failed": dict(offset=90_750, shard_http=6510, shard_tarantool=62_100, sf_api=6590,
                       extraction_api=6591, upload=6592, ntls=6593),
}
SIZE = (80, 24)
# When another program holds a port of BLOCKS[name] (a sandbox some older run left behind), the
# sandbox runs on the block shifted by one of these (each port keeping its number of digits, so
# every line wraps alike) and the pictures show its ports back at BLOCKS' numbers.
SHIFTS = range(0, 3000, 100)
PORTS_SHOWN: dict[int, int] = {}  # port the sandbox uses -> port the picture shows (this test)


def block_ports(block: PortBlock) -> list[int]:
    """Every port of the block, in an order two blocks of one shape share."""
    return [*range(block.shard_http, block.shard_http + block.span),
            *range(block.shard_tarantool, block.shard_tarantool + block.span),
            block.sf_api, block.extraction_api, block.upload, block.ntls]


def block_like(shown: PortBlock, root: Path) -> PortBlock:
    """`shown` itself when its ports are free, else the first free shift of it; held (the
    sentinel port, as every sandbox's claim is) so that no other run takes it meanwhile."""
    from ffwizard.demo import ports

    fields = ("shard_http", "shard_tarantool", "sf_api", "extraction_api", "upload", "ntls")
    deadline = time.monotonic() + 120
    while True:
        for delta in SHIFTS:
            block = PortBlock(shards=shown.shards, offset=shown.offset + delta,
                              **{f: getattr(shown, f) + delta for f in fields})
            if any(len(str(a)) != len(str(s)) or a > 65535 or a in ports.ephemeral_ports()
                   for a, s in zip(block_ports(block), block_ports(shown))):
                continue
            if all(port_is_free(p) for p in block.all_ports()) and ports._hold(root, block):
                return block
        if time.monotonic() > deadline:
            pytest.skip(f"no free shift of the snapshot ports of {root.parent.name}")
        time.sleep(0.5)


def fixed_sandbox(monkeypatch, name: str, shards: int):
    """A running demo at SNAPSHOT_DIR/<name>/findface-multi on the ports BLOCKS[name]."""
    from ffwizard.demo import sandbox
    from ffwizard.runtime.sim import prepare_demo, stop_demo

    root = SNAPSHOT_DIR / name / "findface-multi"
    if root.exists():
        try:
            stop_demo(root, release_ports=True)
        except Exception:
            pass
        shutil.rmtree(root, ignore_errors=True)
    shown = PortBlock(shards=shards, **BLOCKS[name])
    block = block_like(shown, root)
    PORTS_SHOWN.update({a: s for a, s in zip(block_ports(block), block_ports(shown)) if a != s})
    registry = registry_dir()
    registry.mkdir(parents=True, exist_ok=True)
    (registry / f"{block.offset}.json").write_text(json.dumps(
        {"offset": block.offset, "root": str(root), "ports": sorted(block.all_ports())}))
    monkeypatch.setattr(sandbox, "claim_block", lambda root, shards: block)
    demo = prepare_demo(root, shards=shards, objects=600)
    return demo, lambda: stop_demo(root, release_ports=True)


@pytest.fixture(autouse=True)
def one_snapshot_run_at_a_time(monkeypatch, snapshot_dir):
    """Two test runs on one machine would share the fixed ports: take turns. The sandboxes go
    into this run's own directory, and every picture shows that directory as SHOWN_DIR."""
    assert len(str(snapshot_dir)) == len(SHOWN_DIR)
    monkeypatch.setattr(sys.modules[__name__], "SNAPSHOT_DIR", snapshot_dir)
    export_screenshot = App.export_screenshot

    def shown_at_the_fixed_path(app, *args, **kwargs):
        svg = export_screenshot(app, *args, **kwargs).replace(str(snapshot_dir), SHOWN_DIR)
        if PORTS_SHOWN:
            svg = re.sub(r"(?<!\d)(?<!\d\.)\d{4,5}(?!\d|\.\d)",
                         lambda m: str(PORTS_SHOWN.get(int(m[0]), m[0])), svg)
        return svg

    monkeypatch.setattr(App, "export_screenshot", shown_at_the_fixed_path)
    PORTS_SHOWN.clear()
    PORTS_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(PORTS_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture
def screens_demo(monkeypatch):
    monkeypatch.setenv("FFWIZARD_TEST_DISK_FREE_BYTES", str(500 * 1024**3))
    monkeypatch.setenv("FFWIZARD_TEST_MEM_AVAILABLE_BYTES", str(64 * 1024**3))
    monkeypatch.setenv("FFWIZARD_POLL_INTERVAL", "0.2")
    demo, stop = fixed_sandbox(monkeypatch, "screens", shards=4)
    try:
        yield demo
    finally:
        stop()


def wizard(demo):
    return create_app(demo.root, "sim", demo=True, runtime=demo.runtime, frozen=True)


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3)


async def next_screen(pilot) -> None:
    """Enter on the focused Next, then wait until the next screen is there and settled."""
    before = pilot.app.screen
    await pilot.press("enter")
    await until(pilot, lambda: pilot.app.screen is not before)
    await settle(pilot)


async def until(pilot, condition, timeout: float = 120.0) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.1)
        waited += 0.1
        assert waited < timeout, "the wizard did not get there in time"


def forward(steps: int):
    async def run_before(pilot) -> None:
        for _ in range(steps):
            await next_screen(pilot)
    return run_before


def test_welcome(snap_compare, screens_demo):
    assert snap_compare(wizard(screens_demo), terminal_size=SIZE)


def test_help_panel(snap_compare, screens_demo):
    assert snap_compare(wizard(screens_demo), press=["f1"], terminal_size=SIZE)


def test_installation(snap_compare, screens_demo):
    assert snap_compare(wizard(screens_demo), terminal_size=SIZE, run_before=forward(1))


def test_models(snap_compare, screens_demo):
    assert snap_compare(wizard(screens_demo), terminal_size=SIZE, run_before=forward(2))


def test_shards_with_a_collision(snap_compare, screens_demo):
    async def run_before(pilot) -> None:
        await forward(3)(pilot)
        app = pilot.app
        app.screen.query_one("#http-1").value = str(app.state.installation.shards[0].http_port)
        await pilot.pause(0.2)

    assert snap_compare(wizard(screens_demo), terminal_size=SIZE, run_before=run_before)


def test_settings(snap_compare, screens_demo):
    assert snap_compare(wizard(screens_demo), terminal_size=SIZE, run_before=forward(4))


def test_review(snap_compare, screens_demo):
    assert snap_compare(wizard(screens_demo), terminal_size=SIZE, run_before=forward(5))


def test_review_point_of_no_return(snap_compare, screens_demo):
    async def run_before(pilot) -> None:
        await forward(5)(pilot)
        await pilot.press("f3")  # every step opened
        await pilot.pause(0.3)
        screen = pilot.app.screen
        screen.query_one("#body").scroll_to_widget(screen.query_one(".no-return"), top=True,
                                                   animate=False)
        await pilot.pause(0.3)

    assert snap_compare(wizard(screens_demo), terminal_size=SIZE, run_before=run_before)


def test_review_a_step_opened_in_16_colours(snap_compare, screens_demo):
    """The terminal's own 16 colours (the ansi theme): the diff's additions and deletions, and
    what cannot be undone, each in a colour of its own."""
    async def run_before(pilot) -> None:
        await forward(5)(pilot)
        app = pilot.app
        app.theme = "ansi-dark"
        fold = app.screen.query_one("#step-4")
        fold.collapsed = False
        await pilot.pause(0.3)
        app.screen.query_one("#body").scroll_to_widget(fold.query_one(".file-label"), top=True,
                                                       animate=False)
        await pilot.pause(0.3)

    assert snap_compare(wizard(screens_demo), terminal_size=SIZE, run_before=run_before)


def test_confirm_start(snap_compare, screens_demo):
    assert snap_compare(wizard(screens_demo), terminal_size=SIZE, run_before=forward(6))


def test_done(snap_compare, monkeypatch):
    monkeypatch.setenv("FFWIZARD_TEST_DISK_FREE_BYTES", str(500 * 1024**3))
    monkeypatch.setenv("FFWIZARD_TEST_MEM_AVAILABLE_BYTES", str(64 * 1024**3))
    monkeypatch.setenv("FFWIZARD_POLL_INTERVAL", "0.2")
    demo, stop = fixed_sandbox(monkeypatch, "done", shards=2)

    async def run_before(pilot) -> None:
        app = pilot.app
        await forward(6)(pilot)
        await pilot.press("right", "enter")
        await until(pilot, lambda: type(app.screen).__name__ == "RunScreen")
        run_screen = app.screen
        await until(pilot, lambda: type(app.screen).__name__ == "Choice")
        await pilot.press("right", "enter")
        await until(pilot, lambda: run_screen.outcome is not None)
        assert run_screen.outcome.status == "done"
        await until(pilot, lambda: run_screen.query_one("#results").display)
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "DoneScreen")
        await pilot.pause(0.3)

    try:
        assert snap_compare(wizard(demo), terminal_size=SIZE, run_before=run_before)
    finally:
        stop()


# What changes from one run to the next in the output pane: the tools' clock, process ids,
# run ids, rates and durations. Masked in the picture only; the product shows them.
VOLATILE = [
    (re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d"), "YYYY/MM/DD hh:mm:ss"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?"), "YYYY-MM-DDThh:mm:ssZ"),
    (re.compile(r"(pid[ =:]*)\d+", re.IGNORECASE), r"\1<pid>"),
    (re.compile(r"(\.ffwizard/runs/)[^/\s]+"), r"\1<run-id>"),
    (re.compile(r"\b(Run) \S+:"), r"\1 <run-id>:"),
    (re.compile(r"[\d,.]+ ?(objects)?/s\b"), "<rate>/s"),
    (re.compile(r"\b\d+(\.\d+)? ?(ms|s)\b"), "<time>"),
]


def masked(line: str) -> str:
    for pattern, replacement in VOLATILE:
        line = pattern.sub(replacement, line)
    return line


def tool_output_in_one_place(lines: list[str], tool_lines: list[str]) -> list[str]:
    """The pane's lines with the detached tool's output (read from its log file by a poller,
    so it lands among ffwizard's own lines at a moment that varies) moved right after the
    line announcing the tool, where it nearly always lands."""
    rest = list(lines)
    for line in tool_lines:
        rest.remove(line)  # every line of the tool's log reached the pane
    start = next(i for i, line in enumerate(rest) if "the migration runs detached" in line)
    return rest[:start + 1] + tool_lines + rest[start + 1:]


async def freeze_output(pilot, run_screen) -> None:
    """Once the log reader has taken the last lines, show them in a fixed order with the
    volatile parts masked."""
    from ffwizard.ui.widgets.log_pane import LineSplitter, LogPane

    await until(pilot, run_screen.finished.is_set)
    await pilot.app.workers.wait_for_complete()
    pane = run_screen.query_one("#log", LogPane)
    pane.flush()
    log = Path(run_screen.outcome.run_dir) / "migration.log"
    tool_lines = [line for raw in log.read_text().splitlines() for line in LineSplitter._clean(raw)]
    lines = tool_output_in_one_place(list(pane.lines), tool_lines)
    lines = [masked(line) for line in lines]
    pane.clear()
    pane.write_lines(lines)
    await pilot.pause(0.5)


def run_demo(monkeypatch, name: str):
    monkeypatch.setenv("FFWIZARD_TEST_DISK_FREE_BYTES", str(500 * 1024**3))
    monkeypatch.setenv("FFWIZARD_TEST_MEM_AVAILABLE_BYTES", str(64 * 1024**3))
    monkeypatch.setenv("FFWIZARD_POLL_INTERVAL", "0.2")
    return fixed_sandbox(monkeypatch, name, shards=2)


async def start_run(pilot):
    """From Welcome to the Run screen, with the run started; the Run screen."""
    app = pilot.app
    await forward(6)(pilot)
    await pilot.press("right", "enter")
    await until(pilot, lambda: type(app.screen).__name__ == "RunScreen")
    return app.screen


def test_run_finished(snap_compare, monkeypatch):
    demo, stop = run_demo(monkeypatch, "run-done")

    async def run_before(pilot) -> None:
        app = pilot.app
        run_screen = await start_run(pilot)
        await until(pilot, lambda: type(app.screen).__name__ == "Choice")
        await pilot.press("right", "enter")
        await until(pilot, lambda: run_screen.outcome is not None)
        assert run_screen.outcome.status == "done"
        await until(pilot, lambda: run_screen.query_one("#results").display)
        await freeze_output(pilot, run_screen)
        run_screen.query_one("#results").focus()
        await pilot.pause(0.3)

    try:
        assert snap_compare(wizard(demo), terminal_size=SIZE, run_before=run_before)
    finally:
        stop()


def test_run_failed(snap_compare, monkeypatch):
    from ffwizard.demo.faults import set_faults

    demo, stop = run_demo(monkeypatch, "run-failed")
    # The migration tool is killed partway through the copy.
    set_faults(demo.root, FFSIM_MIGRATE_DIE_AFTER=250)

    async def run_before(pilot) -> None:
        app = pilot.app
        run_screen = await start_run(pilot)
        await until(pilot, lambda: run_screen.outcome is not None
                    or type(app.screen).__name__ == "Choice")
        assert run_screen.outcome is not None, "the run should fail before the last question"
        assert run_screen.outcome.status == "failed"
        assert str(run_screen.query_one("#continue").label) == "Retry"
        assert run_screen.query_one("#rollback").display
        await freeze_output(pilot, run_screen)
        # The error quotes the tool's last lines, clock included: shown again, masked.
        run_screen.offer_choices("failed", masked(run_screen.outcome.error))
        await pilot.pause(0.3)

    try:
        assert snap_compare(wizard(demo), terminal_size=SIZE, run_before=run_before)
    finally:
        stop()
