"""Regenerate the pictures of every wizard screen from the demo: screenshots/NN-name.svg and .png.

    .venv/bin/python scripts/screenshots.py [--size 80x24] [--lang en|ru] [--out screenshots]

Russian pictures go to screenshots/ru/ unless --out says otherwise.

Builds a fresh 8-shard demo sandbox, drives the wizard through a default migration with the
same app factory the CLI uses, and saves each screen (the migration paced so that the Run
screen is caught mid-copy). Each picture is checked to show the screen its name says, and no
two pictures may be the same. PNGs come from cairosvg when it is
installed (`pip install cairosvg`; Debian's `fonts-firacode` makes them look right), else from
headless chromium when present; otherwise only the SVGs are written.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


async def wait_for(pilot, condition, timeout: float = 120.0, step: float = 0.2) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(step)
        waited += step
        if waited > timeout:
            raise TimeoutError("the wizard did not reach the expected state in time")


async def capture(out: Path, size: tuple[int, int], sandbox: Path) -> list[Path]:
    from ffwizard.demo import prepare_demo, stop_demo
    from ffwizard.demo.faults import set_faults
    from ffwizard.ui.app import create_app
    from ffwizard.ui.screens.dialogs import Choice

    demo = prepare_demo(sandbox, shards=8)
    # A copy slow enough to be seen under way (4,000 objects at 400/s: 10 s).
    set_faults(demo.root, FFSIM_PACE=400)
    saved: list[Path] = []
    try:
        app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
        async with app.run_test(size=size) as pilot:
            def shot(name: str, screen: str) -> None:
                if type(app.screen).__name__ != screen:
                    raise RuntimeError(f"{name}: the wizard shows {type(app.screen).__name__}, "
                                       f"not {screen}")
                path = out / f"{name}.svg"
                app.save_screenshot(str(path))
                saved.append(path)

            async def settle() -> None:
                await app.workers.wait_for_complete()
                await pilot.pause(0.3)

            def screen_is(name: str):
                return lambda: type(app.screen).__name__ == name

            await pilot.pause(0.3)
            shot("01-welcome", "WelcomeScreen")
            await pilot.press("f1")
            await pilot.pause(0.2)
            shot("01b-help", "HelpScreen")
            await pilot.press("escape")
            for name, screen in (("02-installation", "InstallationScreen"),
                                 ("03-models", "ModelsScreen"), ("04-shards", "ShardsScreen"),
                                 ("05-settings", "SettingsScreen"), ("06-review", "ReviewScreen")):
                await pilot.press("enter")
                await wait_for(pilot, screen_is(screen))
                await settle()
                shot(name, screen)
            # A step opened: its commands and the diff of the file it writes.
            review = app.screen
            fold = review.query_one("#step-3")
            fold.collapsed = False
            await pilot.pause(0.3)
            review.query_one("#body").scroll_to_widget(fold, top=True, animate=False)
            await pilot.pause(0.3)
            shot("06a-review-step-open", "ReviewScreen")
            fold.collapsed = True
            review.query_one("#body").scroll_home(animate=False)
            review.query_one("#next").focus()
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_for(pilot, screen_is("Choice"))
            shot("06b-confirm-start", "Choice")
            await pilot.press("right", "enter")
            await wait_for(pilot, screen_is("RunScreen"))
            run_screen = app.screen
            await wait_for(pilot, lambda: run_screen.step_states.get("run_migration") == "started")

            def mid_copy() -> bool:
                sample = run_screen.last_sample
                return sample is not None and sample.total * 0.3 <= sample.done < sample.total * 0.8

            await wait_for(pilot, mid_copy, timeout=300, step=0.1)
            shot("07-run", "RunScreen")
            await wait_for(pilot, screen_is("Choice"), timeout=600)
            await pilot.pause(0.3)
            shot("07b-point-of-no-return", "Choice")
            await pilot.press("right", "enter")
            await wait_for(pilot, lambda: run_screen.outcome is not None, timeout=600)
            await pilot.pause(1.0)
            shot("07c-run-finished", "RunScreen")
            await pilot.press("enter")
            await wait_for(pilot, screen_is("DoneScreen"))
            await pilot.pause(0.3)
            shot("08-done", "DoneScreen")
            assert not isinstance(app.screen, Choice)
    finally:
        stop_demo(demo.root, release_ports=True)
    pictures: dict[str, Path] = {}
    for path in saved:
        other = pictures.setdefault(path.read_text(), path)
        if other is not path:
            raise RuntimeError(f"{path.name} is the same picture as {other.name}")
    return saved


def to_png(svg: Path) -> Path | None:
    png = svg.with_suffix(".png")
    try:
        import cairosvg
    except ImportError:
        cairosvg = None
    if cairosvg is not None:
        cairosvg.svg2png(url=str(svg), write_to=str(png), scale=1.5)
        return png
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        subprocess.run([chromium, "--headless", "--disable-gpu", "--no-sandbox",
                        f"--screenshot={png}", "--window-size=1400,900", svg.as_uri()],
                       check=False, capture_output=True)
        return png if png.exists() else None
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="80x24",
                        help="terminal size, COLSxROWS (the README promises 80x24)")
    parser.add_argument("--lang", choices=("en", "ru"), default="en")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    from ffwizard.i18n import set_language

    set_language(args.lang)
    if args.out is None:
        args.out = REPO / "screenshots" / ("ru" if args.lang == "ru" else "")
    cols, rows = (int(n) for n in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ffwizard-shots-") as tmp:
        saved = asyncio.run(capture(args.out, (cols, rows), Path(tmp) / "findface-multi"))
    for svg in saved:
        # Stable line endings and no temporary paths in the pictures' source.
        svg.write_text(svg.read_text().replace("\r\n", "\n"))
        png = to_png(svg)
        print(f"{svg.relative_to(REPO) if svg.is_relative_to(REPO) else svg}"
              + (f"  {png.name}" if png else "  (no PNG: install cairosvg or chromium)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
