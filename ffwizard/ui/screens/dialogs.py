"""Modal questions and the help panel."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ffwizard.i18n import N_, _
from ffwizard.ui.translate import translate_bindings

KEYS_HELP = N_("Keys: Tab / Shift+Tab move, Enter presses a button, arrows pick in lists, "
             "Esc goes back, Ctrl+N next, F1 help, F2 language (first step), Ctrl+C stops a run, "
               "Ctrl+Q quits.")


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,enter", "dismiss", N_("Close"))]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.text, id="help-text")
            yield Static(_(KEYS_HELP), classes="muted")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Close"), id="close", variant="primary", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_dismiss(self) -> None:
        self.dismiss(None)


class Choice(ModalScreen[str]):
    """A question with a few answers; dismisses with the chosen answer's id. The caller gives
    the title, text and answer labels already translated.

    The first answer is the safe one and has the focus, so Enter never does harm by accident.
    """

    BINDINGS = [Binding("escape", "cancel", N_("Cancel")),
                Binding("left", "app.focus_previous", show=False),
                Binding("right", "app.focus_next", show=False)]

    def __init__(self, title: str, text: str, answers: list[tuple[str, str]],
                 *, cancel: str | None = None) -> None:
        super().__init__()
        translate_bindings(self)
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
