"""Helpers of the wizard's Pilot tests."""

from __future__ import annotations


async def wait_for(pilot, condition, timeout: float = 60.0, step: float = 0.1) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(step)
        waited += step
        if waited > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {condition}")


async def press_next(pilot, app, presses: int = 1) -> None:
    """Enter on the focused Next, `presses` times, each time waiting until the next screen is
    there (a step may first run a worker), never a fixed time."""
    for _ in range(presses):
        before = app.screen
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda before=before: app.screen is not before)
        await pilot.pause()


def screen_name(app) -> str:
    """The class name of the screen on top, once it has been laid out and shows something.

    Textual makes a pushed screen current before its first layout: a test that waited for the
    name alone and then read the screen found it empty on a fast machine. Until the screen is
    painted its name reads as "<Name> (not laid out yet)", so every wait for a screen by name
    also waits for its first paint."""
    screen = app.screen
    name = type(screen).__name__
    if not screen._compositor.render_strips():
        return f"{name} (not laid out yet)"
    return name


def screen_text(app) -> str:
    """Everything the terminal shows now, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def widget_text(app, selector: str) -> str:
    widget = app.screen.query_one(selector)
    shown = getattr(widget, "shown_text", None)  # a line of several widgets (QuietFields)
    return shown if shown is not None else str(widget.render())


async def start_run(pilot, app):
    """From the first step, the default answers to a started run; returns the Run screen."""
    await press_next(pilot, app, 5)
    await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")
    await wait_for(pilot, lambda: app.state.plan is not None
                   and not app.screen.query_one("#next").disabled)
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_name(app) == "Choice")
    await pilot.press("right", "enter")  # the start question's focus begins on Cancel
    await wait_for(pilot, lambda: screen_name(app) == "RunScreen")
    return app.screen
