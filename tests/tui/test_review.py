"""The Review screen at 80×24: a summary first, every step folded and opened on demand, long
paths cut only where a path may be cut."""

from __future__ import annotations

import json
import shlex

import httpx
import pytest
from textual.geometry import Region
from tui_helpers import press_next, screen_name, screen_text, wait_for

from ffwizard.ui.app import create_app
from ffwizard.ui.screens.review import StepFold
from ffwizard.ui.widgets.path_text import SEPARATORS

pytestmark = pytest.mark.asyncio
BREAKABLE = "".join(SEPARATORS)


def shown_lines(widget) -> list[str]:
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return [strip.text.strip() for strip in strips if strip.text.strip()]


def cut_inside_a_name(original: str, lines: list[str]) -> list[str]:
    """The lines of `original` (as shown) that end inside a name rather than at a space or a
    separator."""
    cut, position = [], 0
    for line in lines[:-1]:
        position = original.index(line, position) + len(line)
        if original[position:position + 1] != " " and line[-1] not in BREAKABLE:
            cut.append(line)
    return cut


async def open_review(pilot, app, presses: int = 5) -> None:
    await press_next(pilot, app, presses)
    await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")
    await wait_for(pilot, lambda: app.state.plan is not None
                   and not app.screen.query_one("#next").disabled)
    await pilot.pause()


async def test_review_is_a_summary_and_folded_steps_opened_on_demand(sim_sandbox_factory):
    demo = sim_sandbox_factory("a-site-with-a-rather-long-directory-name", shards=8)
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(pilot, app)
        screen = app.screen
        body = screen.query_one("#body")
        folds = list(screen.query(StepFold))
        assert len(folds) == len(app.state.plan.steps) and all(f.collapsed for f in folds)
        # Summary and step titles: little more than a page, not 31.
        assert body.virtual_size.height <= 2 * body.size.height, body.virtual_size
        text = screen_text(app)
        words = " ".join(text.split())
        assert "Files it changes (4):" in text and "docker-compose.yaml" in text
        assert "Point of no return: step 11" in text
        assert "steps 1–10 can be rolled back" in words
        assert "1. Back up the feature-vector database" in text
        assert "Open all" in text.splitlines()[-1]

        # Tab past the window's fold to a step, Enter opens it; the keyboard alone does it.
        await pilot.press("tab", "tab", "tab")
        assert app.focused.parent is folds[0] or app.focused.parent is folds[1]
        opened = app.focused.parent
        await pilot.press("enter")
        await wait_for(pilot, lambda: not opened.collapsed)
        assert sum(not f.collapsed for f in folds) == 1

        # F3 opens every step, and then folds them all again.
        await pilot.press("f3")
        await wait_for(pilot, lambda: not any(f.collapsed for f in folds)
                       and "Fold all" in screen_text(app).splitlines()[-1])
        # Commands wrap at spaces and path separators, never inside a name.
        commands = [("$ " + shlex.join(argv)) for step in app.state.plan.steps
                    for argv in step.commands]
        shown = list(screen.query(".command"))
        assert len(shown) == len(commands)
        wrapped = 0
        for original, widget in zip(commands, shown):
            lines = shown_lines(widget)
            wrapped += len(lines) > 1
            assert cut_inside_a_name(original, lines) == [], lines
        assert wrapped, "the long paths of this sandbox should need more than one line"
        await pilot.press("f3")
        await wait_for(pilot, lambda: all(f.collapsed for f in folds))



def shown(widget) -> str:
    """A widget's text as shown, its lines joined at the spaces they wrapped at."""
    return " ".join(str(widget.render()).split())


async def test_review_shows_the_objects_to_re_extract_per_gallery_and_the_window(
        sim_sandbox_factory):
    demo = sim_sandbox_factory("review-counts", shards=2)
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(pilot, app)
        await wait_for(pilot, lambda: app.screen.reextract is not None)
        expected: dict[str, int] = {}
        for shard in app.state.installation.shards:  # each old shard asked here, apart
            answer = httpx.get(f"http://{shard.http_host}:{shard.http_port}/stat/list/1/99",
                               timeout=5, trust_env=False)
            for item in json.loads(answer.content):
                expected[item["name"]] = expected.get(item["name"], 0) + int(item["count"])
        assert app.screen.reextract.counts == expected and sum(expected.values()) == 600
        await pilot.pause()
        # Folded to one line on the summary: the total, what is paused, about how long.
        fold = app.screen.query_one("#window")
        assert fold.collapsed
        title = " ".join(screen_text(app).split())
        assert ("▶ 600 objects to re-extract · intake paused (2 services) for about 1s–30s "
                "(a guess)") in title
        # Opened: the services, what the time rests on, each gallery's objects.
        fold.collapsed = False
        await pilot.pause()
        body = shown(app.screen.query_one("#window-text"))
        assert body.startswith("Paused: findface-video-worker-gpu, findface-video-manager stop "
                               "before the model switch and start again after the sf-api "
                               "switch (or on rollback).")
        assert ("The window: as long as the copy of 600 objects takes, which is not known "
                "before it runs: no rate of the migration tool is published and no earlier run "
                "here measured one. A guess, not a measurement: 1s at 1,000 objects/s, 30s at "
                "20 objects/s.") in body
        lines = str(app.screen.query_one("#window-text").render()).splitlines()
        for gallery, count in expected.items():
            assert any(line.split() == [gallery, f"{count:,}"] for line in lines), gallery


async def test_review_says_a_shard_could_not_be_read_instead_of_a_zero(sim_sandbox_factory):
    demo = sim_sandbox_factory("review-shard-down", shards=2)
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_next(pilot, app, 4)  # Settings: every check passed with the shards up
        assert screen_name(app) == "SettingsScreen"
        down = app.state.installation.shards[1]
        demo.runtime.stop_services([down.service])  # a real process stopped
        await press_next(pilot, app, 1)
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")
        await wait_for(pilot, lambda: app.screen.reextract is not None
                       and app.screen.shown_plan is not None)
        await pilot.pause()
        assert app.screen.reextract.counts is None
        text = " ".join(screen_text(app).split())
        assert (f"▶ Objects to re-extract unknown: the shard at http://{down.http_host}:"
                f"{down.http_port}/ did not list its galleries") in text, text
        assert " 0 objects" not in text and "for about" not in text
        body = shown(app.screen.query_one("#window-text"))
        assert "hours to days on a large site" in body
        assert "Objects per gallery" not in body


async def test_intake_is_chosen_on_settings_and_review_follows(sim_sandbox_factory):
    demo = sim_sandbox_factory("review-intake", shards=2)
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_next(pilot, app, 4)
        assert screen_name(app) == "SettingsScreen"
        box = app.screen.query_one("#pause_intake")
        assert box.value is True  # on by default: the site has a video pipeline
        assert str(app.screen.query_one("#intake-services").render()).startswith(
            "stops findface-video-worker-gpu, findface-video-manager from the model switch")
        box.value = False
        app.screen.query_one("#next").focus()
        await press_next(pilot, app, 1)
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen"
                       and app.state.plan is not None and app.screen.reextract is not None)
        await pilot.pause()
        assert app.state.answers["pause_intake"] is False
        assert not any(step.id == "pause_event_intake" for step in app.state.plan.steps)
        text = " ".join(screen_text(app).split())
        assert "▶ 600 objects to re-extract · intake running; the window about 1s–30s (a guess)" in text
        assert "Pause event intake" not in text
        fold = app.screen.query_one("#window")
        fold.collapsed = False
        await pilot.pause()
        assert shown(app.screen.query_one("#window-text")).startswith(
            "Intake running: events that reach the old shards during the copy are counted apart")


async def test_review_says_when_the_backup_goes_outside_the_install_root(sim_sandbox, tmp_path):
    # The dump holds biometric data: where it goes is said in Review as in `plan` (#15 item 5).
    demo = sim_sandbox
    outside = tmp_path / "dumps"
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_next(pilot, app, 4)
        await wait_for(pilot, lambda: screen_name(app) == "SettingsScreen")
        from textual.widgets import Input

        app.screen.query_one("#backup_dir", Input).value = str(outside)
        await pilot.pause()
        app.screen.query_one("#next").focus()
        await open_review(pilot, app, presses=1)
        status = " ".join(str(app.screen.query_one("#plan-status").render()).split())
        assert f"Backup: {outside} (outside the install root)." in status


async def test_review_repeats_the_plans_warning_of_a_cpu_model_on_a_gpu_service(sim_sandbox):
    # #16 item 1: the Models screen warned, Review then said nothing of it.
    from textual.widgets import Select

    from ffwizard.ui.screens.models import OTHER

    demo = sim_sandbox
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_next(pilot, app, 2)
        await wait_for(pilot, lambda: screen_name(app) == "ModelsScreen")
        app.screen.query_one("#model-face", Select).value = OTHER
        await pilot.pause()
        await pilot.press(*"face/nectarine_l_320.cpu.fnk")
        app.screen.query_one("#next").focus()
        await open_review(pilot, app, presses=3)
        words = " ".join(screen_text(app).split())
        assert "! model for face 'face/nectarine_l_320.cpu.fnk' is a CPU model" in words
        assert "face/nectarine_l_320.gpu.fnk is offered" in words


async def test_open_all_opens_the_objects_to_re_extract_too(sim_sandbox_factory):
    """F3 opens every fold of Review, the window's line of objects to re-extract as well as
    the steps, and F3 again folds them all; opened alone, the window's fold leaves F3 at
    "Open all" while a step is still folded."""
    demo = sim_sandbox_factory("review-open-all", shards=2)
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(pilot, app)
        await wait_for(pilot, lambda: app.screen.reextract is not None)
        screen = app.screen
        window = screen.query_one("#window")
        steps = list(screen.query(StepFold))
        assert window.collapsed and all(f.collapsed for f in steps)
        await pilot.press("f3")
        await wait_for(pilot, lambda: not window.collapsed
                       and not any(f.collapsed for f in steps)
                       and "Fold all" in screen_text(app).splitlines()[-1])
        assert "Objects per gallery" in shown(screen.query_one("#window-text"))
        await pilot.press("f3")
        await wait_for(pilot, lambda: window.collapsed and all(f.collapsed for f in steps)
                       and "Open all" in screen_text(app).splitlines()[-1])
        # Every step opened by hand, the window still folded: F3 still opens (it).
        for fold in steps:
            fold.collapsed = False
        await pilot.pause()
        assert "Open all" in screen_text(app).splitlines()[-1]
        await pilot.press("f3")
        await wait_for(pilot, lambda: not window.collapsed)
