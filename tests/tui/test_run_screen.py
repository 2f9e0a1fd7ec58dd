"""The Run screen at 80×24: a failure's last sentence readable whole above the buttons, the
output pane full width on one key, and no stale progress after a stop or a rollback."""

from __future__ import annotations

import pytest
from tui_helpers import screen_name, screen_text, start_run, wait_for, widget_text

from ffwizard.ui.app import create_app

pytestmark = pytest.mark.asyncio




def words(text: str) -> str:
    return " ".join(text.split())


async def test_a_failure_reads_whole_and_the_output_takes_the_width(sim_sandbox_factory,
                                                                     fast_executor):
    from ffwizard.demo.faults import set_faults

    demo = sim_sandbox_factory(shards=2)
    set_faults(demo.root, FFSIM_MIGRATE_DIE_AFTER=250)
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        run_screen = await start_run(pilot, app)
        await wait_for(pilot, lambda: run_screen.outcome is not None, timeout=120)
        assert run_screen.outcome.status == "failed"
        last = run_screen.outcome.error.strip().splitlines()[-1].strip()
        assert "ffwizard resume --rerun-migration" in last
        await wait_for(pilot, lambda: words(last) in words(widget_text(app, "#run-status"))
                       and "when the run failed" in widget_text(app, "#progress-text"))
        await pilot.pause()
        # The last sentence of the error, whole, on the screen above the buttons.
        status = run_screen.query_one("#run-status")
        assert words(last) in words(widget_text(app, "#run-status"))
        shown = [row[status.region.x:status.region.right]
                 for row in screen_text(app).splitlines()[status.region.y:status.region.bottom]]
        assert words(last) in words(" ".join(shown)), shown
        assert "when the run failed" in widget_text(app, "#progress-text")

        # The output spans the width below the steps; F6: the output alone, as tall as the
        # screen allows; the footer says so; F6 again brings the steps back.
        pane = run_screen.query_one("#log")
        assert pane.size.width == 80
        short = pane.size.height
        await wait_for(pilot, lambda: "Full output" in screen_text(app).splitlines()[-1])
        await pilot.press("f6")
        await wait_for(pilot, lambda: pane.size.height > short)
        assert not run_screen.query_one("#step-list").display
        assert pane.size.width == 80
        assert words(last) in words(widget_text(app, "#run-status"))
        await pilot.press("f6")
        await wait_for(pilot, lambda: pane.size.height == short)

        # Nothing runs: the footer offers no Stop, and Ctrl+C asks whether to quit.
        assert "Stop" not in screen_text(app).splitlines()[-1]
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        assert "Quit ffwizard?" in screen_text(app)
        await pilot.press("enter")  # Stay (focused first)
        await wait_for(pilot, lambda: screen_name(app) == "RunScreen")

        # Rolled back: no numbers of a copy that no longer exists.
        run_screen.query_one("#rollback").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        await pilot.press("right", "enter")
        await wait_for(pilot, lambda: run_screen.outcome.status == "rolled-back", timeout=180)
        await wait_for(pilot, lambda: widget_text(app, "#progress-text") == "")
        assert not run_screen.query_one("#progress-row").display


async def test_stopping_the_tool_as_asked_is_no_failure_and_continue_recopies(
        sim_sandbox_factory, fast_executor):
    """Ctrl+C → "Stop the tool too" → Continue: the run says it stopped as asked, and
    continuing starts the copy again into emptied shards, as the dialog promised."""
    from ffwizard.demo.faults import set_faults

    demo = sim_sandbox_factory(shards=2)
    set_faults(demo.root, FFSIM_PACE=100)  # 600 objects: about 6 s of copying
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        run_screen = await start_run(pilot, app)
        await wait_for(pilot, lambda: run_screen.current_step == "run_migration"
                       and run_screen.last_sample is not None
                       and run_screen.last_sample.done > 0, timeout=120)
        set_faults(demo.root, FFSIM_PACE=None)  # the copy started again runs at full speed
        assert "^c Stop" in screen_text(app).splitlines()[-1]  # offered while it runs
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        await pilot.press("right", "right", "enter")  # Keep running, Stop, Stop the tool too
        await wait_for(pilot, lambda: run_screen.outcome is not None, timeout=120)
        assert run_screen.outcome.status == "stopped"
        await pilot.pause(0.3)
        status = words(widget_text(app, "#run-status"))
        assert "Stopped as you asked, the migration tool too" in status
        assert "Continue starts the copy again into emptied new shards" in status
        assert "failed" not in status and "143" not in status

        run_screen.query_one("#continue").focus()
        await pilot.press("enter")
        # The point of no return: the copy was made again and checked.
        await wait_for(pilot, lambda: screen_name(app) == "Choice", timeout=180)
        log = words(" ".join(run_screen.query_one("#log").lines))
        assert "stopped as you asked: the copy starts again into emptied new shards" in log
        # The copy started again is followed too (its tool's output was once never shown:
        # the first reader had ended, and the log it read was moved aside).
        def shown() -> str:
            return words(" ".join(run_screen.query_one("#log").lines))

        await wait_for(pilot, lambda: "migration finished:" in shown())
        assert shown().count("migration finished:") == 1  # the first copy was stopped
        assert shown().count("galleries, 600 objects on 2 shards") == 2  # each start once
        await pilot.press("right", "enter")
        await wait_for(pilot, lambda: run_screen.outcome is not None
                       and run_screen.outcome.status != "stopped", timeout=180)
        assert run_screen.outcome.status == "done", run_screen.outcome.error
        assert "✗" not in widget_text(app, "#step-list")
        output = words(screen_text(app))
        assert "143" not in output and "SIGTERM" not in output


async def test_the_full_output_fills_from_the_bottom_while_the_tool_prints(
        sim_sandbox_factory, fast_executor):
    """F6 during the copy: the output alone on the screen reads like a terminal, the newest
    line on the pane's bottom row and the rows above it full (a page turn once left the newest
    lines at the top over a dozen empty rows)."""
    from ffwizard.demo.faults import set_faults

    demo = sim_sandbox_factory(shards=2)
    set_faults(demo.root, FFSIM_PACE=20)  # 600 objects: about 30 s, a progress line a second
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        run_screen = await start_run(pilot, app)
        pane = run_screen.query_one("#log")
        await wait_for(pilot, lambda: any("progress:" in line for line in pane.lines),
                       timeout=120)
        await pilot.press("f6")
        header = run_screen.query_one("StepHeader")
        await wait_for(pilot, lambda: pane.region.y == header.region.bottom)  # the steps hidden

        def pane_rows() -> list[str]:
            """The rows the pane shows text on (inside its border and scroll bars)."""
            inside = pane.scrollable_content_region
            rows = screen_text(app).splitlines()[inside.y:inside.bottom]
            return [row[inside.x:inside.right].rstrip() for row in rows]

        def newest_at_the_bottom() -> bool:
            rows = pane_rows()
            return bool(rows) and all(rows) and pane.lines[-1].startswith(rows[-1])

        await wait_for(pilot, newest_at_the_bottom)
        # Through the tool's next lines, at every look: full rows, the newest at the bottom
        # (with page turns, the first line that did not fit left most rows empty).
        printed = pane.lines_total
        looks = 0
        while pane.lines_total < printed + 4:
            await pilot.pause(0.05)
            rows = pane_rows()
            assert all(rows), rows
            looks += 1
            assert looks < 1200, "the tool printed no more lines"
        await wait_for(pilot, newest_at_the_bottom)
        assert len(pane.lines) > len(pane_rows())  # more lines than rows: a full pane
        await pilot.press("f6")
        steps = run_screen.query_one("#step-list")
        await wait_for(pilot, lambda: pane.page_turns and steps.display
                       and pane.region.y == steps.region.bottom)  # the steps back above it
