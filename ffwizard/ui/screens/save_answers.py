"""The Review step's "Save answers…": the answers of the plan shown, to a file that
`ffwizard plan --answers` and `ffwizard apply --answers` read (a rehearsal becomes a headless
run on the site)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ffwizard.core.answers_file import save_answers
from ffwizard.core.errors import UserError
from ffwizard.i18n import N_, _
from ffwizard.ui.translate import translate_bindings

DEFAULT_NAME = "ffwizard-answers.yaml"


class SaveAnswers(ModalScreen[str | None]):
    """Asks for a file name and saves the answers there; dismisses with what was said (None:
    cancelled)."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, plan, root: Path, *, directory: Path | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.plan = plan
        self.root = root
        self.directory = directory or Path.cwd()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(_("Save the answers"), classes="dialog-title")
            yield Static(_("The answers of this plan, for 'ffwizard apply --root {root} "
                           "--answers FILE' on the site (or 'ffwizard plan' to check them "
                           "first).").format(root=self.root), id="dialog-text")
            yield Input(str(self.directory / DEFAULT_NAME), id="answers-path", compact=True)
            yield Static("", id="save-problem", classes="problem")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Cancel"), id="cancel", compact=True)
                yield Button(_("Save"), id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#answers-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.save()
        else:
            self.dismiss(None)

    def save(self) -> None:
        text = self.query_one("#answers-path", Input).value.strip()
        if not text:
            self.query_one("#save-problem", Static).update(_("Give a file name."))
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.directory / path
        try:
            backup = save_answers(path, self.plan.answers, root=self.root)
        except UserError as err:
            self.query_one("#save-problem", Static).update(str(err))
            return
        said = _("Answers saved in {path}.").format(path=path)
        if backup is not None:
            said += " " + _("The file that was there is kept as {path}.").format(path=backup)
        self.dismiss(said)

    def action_cancel(self) -> None:
        self.dismiss(None)
