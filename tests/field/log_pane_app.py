"""The terminal-scroll tests' program: a log pane across the whole width between two lines of
text, following a file another process writes (as the Run screen follows the tool's log)."""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Static

from ffwizard.ui.widgets.log_pane import LogPane


class PaneApp(App):
    CSS = "#top { height: 2; } #bottom { height: 1; }"
    BINDINGS = [("n", "notify_over_pane", ""), ("s", "show_scrolls", "")]

    def __init__(self, log: Path, done: Path) -> None:
        super().__init__()
        self.log_path, self.done = log, done

    def compose(self) -> ComposeResult:
        yield Static("above the pane", id="top")
        yield LogPane(id="log")
        yield Static("below the pane", id="bottom")

    def on_mount(self) -> None:
        pane = self.query_one(LogPane)
        pane.border_title = "output"
        pane.follow_file(self.log_path, until=self.done.exists, poll=0.05)

    def action_notify_over_pane(self) -> None:
        self.notify("a notification over the pane", timeout=2)

    def action_show_scrolls(self) -> None:
        scrolls = self.query_one(LogPane).terminal_scrolls
        self.query_one("#bottom", Static).update(f"terminal scrolls: {scrolls}")


if __name__ == "__main__":
    PaneApp(Path(sys.argv[1]), Path(sys.argv[2])).run()
