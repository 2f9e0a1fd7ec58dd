"""A port another program listens on: flagged on the Shards screen as typed, and a refusal at
Start (nothing ran) leads back to the Shards screen with every edit kept."""

from __future__ import annotations

import socket

import pytest
from textual.widgets import Input
from tui_helpers import screen_name, wait_for, widget_text

from ffwizard.ui.app import create_app

pytestmark = pytest.mark.asyncio


def listening() -> socket.socket:
    """A socket another program holds, on a free port of this host."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_a_host_port_is_flagged_and_a_refusal_leads_back_with_the_edits(sim_sandbox):
    demo = sim_sandbox
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    held = listening()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(2):
                await pilot.press("enter")
                await app.workers.wait_for_complete()
                await pilot.pause(0.2)
            await wait_for(pilot, lambda: screen_name(app) == "ModelsScreen")
            await pilot.press("ctrl+n")
            await wait_for(pilot, lambda: screen_name(app) == "ShardsScreen")
            shards = app.screen
            http = shards.query_one("#http-0", Input)
            proposed = http.value
            taken = held.getsockname()[1]

            # Typed: flagged at once, like a port the compose file uses.
            http.value = str(taken)
            await pilot.pause(0.1)
            assert http.has_class("-invalid-value")
            assert (f"HTTP port {taken} is in use on this host by another program"
                    in widget_text(app, "#shard-problems"))

            # Back to the proposal, and one edit of the user's own; then a program takes the
            # proposed port between the Shards screen and Start.
            http.value = proposed
            edited = str(free_port())
            shards.query_one("#tnt-1", Input).value = edited
            await pilot.pause(0.1)
            assert not http.has_class("-invalid-value")
            await pilot.press("ctrl+n")
            await wait_for(pilot, lambda: screen_name(app) == "SettingsScreen")
            await pilot.press("ctrl+n")
            await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")
            await wait_for(pilot, lambda: app.state.plan is not None
                           and not app.screen.query_one("#next").disabled)
            late = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            late.bind(("127.0.0.1", int(proposed)))
            late.listen()
            try:
                await pilot.press("enter")
                await wait_for(pilot, lambda: screen_name(app) == "Choice")
                await pilot.press("right", "enter")
                # Refused before anything ran: back on the Shards screen, the edits kept.
                await wait_for(pilot, lambda: screen_name(app) == "ShardsScreen", timeout=120)
                assert app.screen is shards
                assert shards.query_one("#tnt-1", Input).value == edited
                assert http.has_class("-invalid-value")
                assert (f"HTTP port {proposed} is in use on this host by another program"
                        in widget_text(app, "#shard-problems"))
                assert not (demo.root / ".ffwizard" / "run").exists()
            finally:
                late.close()
            # Freed again: the screen goes on as before.
            assert shards.check()
            assert not http.has_class("-invalid-value")
    finally:
        held.close()
