"""Step 1: what the migration does, how long it takes, and which installation."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from ffwizard.core.errors import UserError
from ffwizard.i18n import N_, _, current_language
from ffwizard.ui.screens.base import WizardScreen
from ffwizard.ui.screens.installation import InstallationScreen
from ffwizard.ui.state import default_answers, detect_installation
from ffwizard.ui.translate import translate_bindings

# Each language by its own name, so whoever cannot read the current one still finds theirs.
LANGUAGE_NAMES = (("en", "English"), ("ru", "Русский"))
LANGUAGE_LABEL = "Language / Язык:"

INTRO = N_(
    "ffwizard moves the feature vectors of this FindFace Multi installation to a new neural "
    "network model. It backs up the database, creates new shards next to the old ones, lets "
    "the vendor's migration tool re-extract every object into them, checks the copy, and only "
    "then switches sf-api over. You will see every command and every file change before "
    "anything runs."
)
DURATION = N_(
    "How long: minutes for a demo, hours to days for millions of objects (the tool re-extracts "
    "every object from its stored image). The run survives a dropped SSH session: open ffwizard "
    "again to follow it."
)
UPGRADE = N_("If this migration is part of a product upgrade, upgrade FindFace Multi first, "
             "then migrate.")


class WelcomeScreen(WizardScreen):
    STEP = 0
    TITLE_TEXT = N_("Welcome")
    HELP = N_("This step says what the migration does and which installation it works on. "
              "Check the install root (the directory holding docker-compose.yaml), then Next: "
              "ffwizard looks at the installation and changes nothing yet. F2 or the buttons "
              "at the top switch the language.")
    CAN_GO_BACK = False

    def __init__(self) -> None:
        super().__init__()
        self.typed_root: str | None = None  # kept across a change of language

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        with Horizontal(id="language"):
            yield Static(LANGUAGE_LABEL, id="language-label")
            for code, name in LANGUAGE_NAMES:
                yield Button(name, id=f"language-{code}", compact=True,
                             classes="-current" if code == current_language() else "")
        yield Static(_("Migrate feature vectors to a new model"), classes="screen-title")
        yield Static(_(INTRO), classes="para")
        yield Static(_(DURATION), classes="para")
        yield Static("! " + _(UPGRADE), classes="para warning")
        if state.demo:
            kind = _("Installation: the demo: a simulated installation (nothing real is touched)")
        else:
            kind = _("Installation: a real installation (runtime: {runtime})").format(
                runtime=state.runtime_kind)
        yield Static(kind, classes="para")
        with Horizontal(classes="field"):
            yield Label(_("Install root"), classes="field-label")
            root = self.typed_root if self.typed_root is not None else str(state.root)
            yield Input(root, id="root", compact=True, disabled=state.demo,
                        tooltip=_("the directory holding docker-compose.yaml"))
        problem = Static("", id="problem", classes="para problem")
        problem.display = False
        yield problem

    # --- the language ----------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("language-"):
            event.stop()
            self.run_worker(self.use_language(button_id.removeprefix("language-")))
        # Next is the step's own handler, which Textual calls after this one by itself.

    async def use_language(self, language: str) -> None:
        """Speak `language` from now on and rebuild this step in it, keeping what was typed."""
        if language == current_language() or self.query_one("#next").disabled:
            return  # nothing to change, or the installation is being looked at
        focused = self.focused.id if self.focused is not None else None
        self.typed_root = self.query_one("#root", Input).value
        self.app.language_changed(language)
        translate_bindings(self)
        await self.recompose()
        self.on_mount()
        again = self.query(f"#{focused}") if focused else None
        (again.first() if again else self.query_one("#next")).focus()

    def go_next(self) -> None:
        state = self.app.state
        value = self.query_one("#root", Input).value.strip()
        if not value:
            self.say(_("Give the install root."), error=True)
            return
        root = Path(value).expanduser().resolve()
        if root != state.root:
            state.root = root
            state.runtime = None
            state.detection = None
        self.query_one("#problem").display = False
        self.query_one("#next").disabled = True
        self.say(_("Looking at the installation (nothing is changed)…"))
        self.detect()

    @work(thread=True, exclusive=True, group="detect")
    def detect(self) -> None:
        state = self.app.state
        try:
            detection = detect_installation(state)
            answers = default_answers(detection)
        except UserError as err:
            self.app.call_from_thread(self.detection_failed, str(err))
            return
        except Exception as err:  # a calm message, never a traceback
            self.app.call_from_thread(
                self.detection_failed,
                _("could not look at the installation: {error}").format(error=err))
            return
        self.app.call_from_thread(self.detection_done, detection, answers)

    def detection_failed(self, message: str) -> None:
        # The whole message in the body: the line beside the buttons has room for a few words.
        problem = self.query_one("#problem", Static)
        problem.update(message)
        problem.display = True
        problem.scroll_visible(animate=False)
        self.query_one("#next").disabled = False
        self.say(_("The installation could not be read: see above."), error=True)

    def detection_done(self, detection, answers: dict) -> None:
        state = self.app.state
        state.detection = detection
        if not state.answers:
            state.answers = answers
        self.query_one("#next").disabled = False
        self.say("")
        self.app.push_screen(InstallationScreen())
