"""What every wizard step shares: the step header, a scrolling body, Back/Next and the footer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Static

from ffwizard.i18n import N_, _
from ffwizard.ui.translate import translate_bindings
from ffwizard.ui.widgets.step_header import StepHeader


class WizardScreen(Screen):
    """A step. Subclasses set STEP, HELP, and write `compose_body()` and `go_next()`."""

    STEP = 0
    HELP = ""
    NEXT_LABEL = N_("Next")
    CAN_GO_BACK = True
    AUTO_FOCUS = "#next"

    BINDINGS = [
        Binding("escape", "back", N_("Back"), show=True),
        Binding("ctrl+n", "next", N_("Next"), show=True, priority=True),
        Binding("pagedown", "scroll_body(1)", N_("Scroll"), show=False),
        Binding("pageup", "scroll_body(-1)", N_("Scroll"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        yield StepHeader(self.STEP, demo=self.app.state.demo)
        with VerticalScroll(id="body"):
            yield from self.compose_body()
        with Horizontal(id="nav"):
            if self.CAN_GO_BACK:
                yield Button(_("Back"), id="back", compact=True)
            yield Static("", id="message")
            if self.NEXT_LABEL:
                yield Button(_(self.NEXT_LABEL), id="next", variant="primary", compact=True)
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        if self.app.state.frozen:
            # Pictures for snapshot tests: no blinking cursor.
            for field in self.query(Input):
                field.cursor_blink = False

    # --- navigation ---------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "next":
            event.stop()
            self.action_next()
        elif event.button.id == "back":
            event.stop()
            self.action_back()

    def action_scroll_body(self, direction: int) -> None:
        body = self.query_one("#body")
        if direction > 0:
            body.scroll_page_down()
        else:
            body.scroll_page_up()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # The first step has nowhere to go back to: its footer does not offer Esc.
        if action == "back" and not self.CAN_GO_BACK:
            return False
        return True

    def action_back(self) -> None:
        if self.CAN_GO_BACK and len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_next(self) -> None:
        button = self.query("#next")
        if button and button.first().disabled:
            return
        self.go_next()

    def go_next(self) -> None:
        """Check this step's values and open the next step."""

    def say(self, text: str, *, error: bool = False) -> None:
        """A one-line message beside the buttons (errors in the theme's error colour)."""
        message = self.query_one("#message", Static)
        message.update(text)
        message.set_class(error, "-error")

    def show_refusal(self, text: str) -> None:
        """The run refused to start (nothing ran) over something this step owns: say it at the
        top of the step, where the user fixes it."""
        shown = self.query("#refusal")
        if shown:
            shown.first(Static).update(text)
        else:
            body = self.query_one("#body")
            body.mount(Static(text, id="refusal", classes="problem refusal"), before=0)
            body.scroll_home(animate=False)
        self.say(_("Nothing ran: fix this, then go on."), error=True)

