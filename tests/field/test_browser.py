"""The browser demo end to end: `ffwizard serve --demo` driven by headless Chromium.

The page's terminal is read from xterm.js's own screen buffer (what it draws on its canvas), keys
are typed through the DevTools protocol, and the screenshots land in screenshots/web-*.png.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from headless_browser import CHROMIUM, HeadlessChromium
from serving import free_port, stop, wait_for_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "screenshots"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.asyncio,
    pytest.mark.skipif(CHROMIUM is None,
                       reason="chromium is not installed (scripts/install-browser.sh installs it)"),
]

# What the demo's first two screens show, and the key that goes from one to the next.
WELCOME_TEXT = "Migrate feature vectors to a new model"
NEXT_KEY = "enter"
NEXT_TEXT = "What was found"

FADE_IN_SECONDS = 0.6  # the page fades the terminal in over 0.3 s


@pytest.fixture
def demo_server(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ffwizard", "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(process)


async def test_the_demo_wizard_runs_in_a_browser_and_answers_keys(demo_server, tmp_path):
    async with HeadlessChromium(tmp_path / "profile") as browser:
        page = await browser.open(demo_server)

        welcome = await page.wait_for_text(WELCOME_TEXT, timeout=60)
        await asyncio.sleep(FADE_IN_SECONDS)
        shot = await page.screenshot(SCREENSHOTS / "web-welcome.png")
        assert shot.stat().st_size > 10_000  # a drawn terminal, not a blank page

        await page.press(NEXT_KEY)
        following = await page.wait_for_text(NEXT_TEXT, timeout=60)
        await asyncio.sleep(FADE_IN_SECONDS)
        await page.screenshot(SCREENSHOTS / "web-next.png")

    assert following != welcome


async def test_the_russian_demo_in_a_browser_switches_to_english_with_f2(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ffwizard", "serve", "--demo", "--lang", "ru", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    try:
        wait_for_port(port, process)
        async with HeadlessChromium(tmp_path / "profile") as browser:
            page = await browser.open(f"http://127.0.0.1:{port}/")
            russian = await page.wait_for_text("Миграция векторов признаков на новую модель",
                                               timeout=60)
            await asyncio.sleep(FADE_IN_SECONDS)
            await page.screenshot(SCREENSHOTS / "web-welcome-ru.png")
            await page.press("f2")
            english = await page.wait_for_text(WELCOME_TEXT, timeout=30)
    finally:
        stop(process)
    assert WELCOME_TEXT not in russian and "Далее" in russian
    assert "Миграция векторов признаков" not in english


async def test_serve_without_demo_opens_the_wizard_on_the_given_installation(tmp_path):
    root = tmp_path / "findface-multi"
    shutil.copytree(PROJECT_ROOT / "tests" / "fixtures" / "installs" / "gpu8", root)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ffwizard", "serve", "--root", str(root), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    try:
        wait_for_port(port, process)
        async with HeadlessChromium(tmp_path / "profile") as browser:
            page = await browser.open(f"http://127.0.0.1:{port}/")
            await page.wait_for_text(WELCOME_TEXT, timeout=60)
            shown = await page.wait_for_text(str(root))  # in the install-root field
    finally:
        stop(process)
    assert "a real installation (runtime: docker)" in shown


async def run_to_done(page) -> None:
    """Welcome → … → Done in one tab, by the keys a customer presses."""
    await page.wait_for_text(WELCOME_TEXT, timeout=60)
    # (Each screen's own words: the step names stand in the header of every screen.)
    for wanted in ("What was found", "New models", "New shards (", "backup directory",
                   "Review the plan"):
        await page.press(NEXT_KEY)
        await page.wait_for_text(wanted, timeout=60)
        await asyncio.sleep(0.5)  # the screen has its focus
    await page.wait_for_text("Apply…", timeout=60)
    await asyncio.sleep(1.0)  # the plan is built: Apply is enabled
    await page.press("enter")
    await page.wait_for_text("Start the migration?", timeout=30)
    await page.press("right")
    await page.press("enter")
    await page.wait_for_text("The point of no return", timeout=180)
    await page.press("right")
    await page.press("enter")
    await page.wait_for_text("The migration is finished and verified", timeout=180)
    await page.press("enter")  # Results
    await page.wait_for_text("Migration finished", timeout=60)


async def test_each_new_tab_of_the_served_demo_starts_a_fresh_demo(tmp_path):
    """A served demo serves a sequence of customers: after one tab went to Done, the next tab
    starts at Welcome on a simulated site of its own, and can go to Done too."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ffwizard", "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={**os.environ, "FFSIM_PACE": "0", "FFWIZARD_POLL_INTERVAL": "0.2"},
    )
    try:
        wait_for_port(port, process)
        async with HeadlessChromium(tmp_path / "profile") as browser:
            first = await browser.open(f"http://127.0.0.1:{port}/")
            await run_to_done(first)
            await first.send("Page.close")
            second = await browser.open(f"http://127.0.0.1:{port}/")
            shown = await second.wait_for_text(WELCOME_TEXT, timeout=60)
            assert "Migration finished" not in shown
            await run_to_done(second)
    finally:
        stop(process)


def output_rows(text: str) -> list[str]:
    """The rows of the Run screen's output pane: between its titled top rule and the next rule."""
    rows = text.split("\n")
    top = next(n for n, row in enumerate(rows) if row.lstrip("─").startswith("output"))
    bottom = next(n for n in range(top + 1, len(rows)) if rows[n].startswith("─" * 20))
    return [row.rstrip() for row in rows[top + 1:bottom]]


async def test_the_run_output_scrolls_right_in_the_browsers_terminal(demo_server, tmp_path):
    """The pane has the terminal scroll its rows (xterm.js here): what the page shows is the
    tool's lines in order, the newest on the bottom row, every row above it full."""
    async with HeadlessChromium(tmp_path / "profile") as browser:
        page = await browser.open(demo_server)
        await page.wait_for_text(WELCOME_TEXT, timeout=60)
        # The header numbers the step on screen: "3.Models".
        for wanted in ("2.Installation", "3.Models", "4.Shards", "5.Settings", "6.Review"):
            await page.press(NEXT_KEY)
            await page.wait_for_text(wanted, timeout=60)
            await asyncio.sleep(FADE_IN_SECONDS)  # the screen takes keys once it is laid out
        await page.wait_for_text("Apply…", timeout=60)
        for _attempt in range(60):  # Enter does nothing on Review until the plan is made
            await page.press(NEXT_KEY)
            await asyncio.sleep(1.0)
            if "Start the migration" in await page.screen_text():
                break
        await page.press("right")
        await page.press(NEXT_KEY)
        await page.wait_for_text("progress:", timeout=180)

        def progress(row: str) -> int:
            return int(row.split("progress: ", 1)[1].split("/", 1)[0])

        seen = 0
        deadline = asyncio.get_running_loop().time() + 120
        while seen < 12:  # a dozen progress lines, the pane long full
            assert asyncio.get_running_loop().time() < deadline, await page.screen_text()
            await asyncio.sleep(0.5)
            text = await page.screen_text()
            if "point of no return" in text and "Stop here" in text:
                break  # the copy is over
            rows = output_rows(text)
            counts = [progress(row) for row in rows if "progress: " in row]
            if not counts or rows[-1] == "":
                continue  # a row still being painted
            assert all(rows), rows  # every row full: scrolled, no page turned, no gap
            assert counts == sorted(counts) and len(set(counts)) == len(counts), rows
            seen = max(seen, len(counts))
        await page.screenshot(SCREENSHOTS / "web-run.png")
        assert seen >= 5, "the copy ended before the pane showed its lines"
