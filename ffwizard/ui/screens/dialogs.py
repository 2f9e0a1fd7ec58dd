"""Modal questions and the help panel."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

KEYS_HELP = ("Keys: Tab / Shift+Tab move, Enter presses a button, arrows pick in lists, "
             "Esc goes back, Ctrl+N next, F1 help, Ctrl+C stops a run, Ctrl+Q quits.")


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,enter", "dismiss", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.text, id="help-text")
            yield Static(KEYS_HELP, classes="muted")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="close", variant="primary", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_dismiss(self) -> None:
        self.dismiss(None)


class Choice(ModalScreen[str]):
    """A question with a few answers; dismisses with the chosen answer's id.

    The first answer is the safe one and has the focus, so Enter never does harm by accident.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel"),
                Binding("left", "app.focus_previous", show=False),
                Binding("right", "app.focus_next", show=False)]

    def __init__(self, title: str, text: str, answers: list[tuple[str, str]],
                 *, cancel: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.answers = answers
        self.cancel_id = cancel if cancel is not None else answers[0][0]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.text, id="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                for index, (answer_id, label) in enumerate(self.answers):
                    yield Button(label, id=f"answer-{answer_id}", compact=True,
                                 variant="primary" if index == 0 else "default")

    def on_mount(self) -> None:
        self.query_one(f"#answer-{self.answers[0][0]}").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id.removeprefix("answer-"))

    def action_cancel(self) -> None:
        self.dismiss(self.cancel_id)
