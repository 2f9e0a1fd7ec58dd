"""Helpers of the wizard's Pilot tests."""

from __future__ import annotations


async def wait_for(pilot, condition, timeout: float = 60.0, step: float = 0.1) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(step)
        waited += step
        if waited > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {condition}")


def screen_name(app) -> str:
    return type(app.screen).__name__


def screen_text(app) -> str:
    """Everything the terminal shows now, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def widget_text(app, selector: str) -> str:
    widget = app.screen.query_one(selector)
    return str(widget.render())
