"""Step 1: what the migration does, how long it takes, and which installation."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from ffwizard.core.errors import UserError
from ffwizard.ui.screens.base import WizardScreen

INTRO = (
    "ffwizard moves the feature vectors of this FindFace Multi installation to a new neural "
    "network model. It backs up the database, creates new shards next to the old ones, lets "
    "the vendor's migration tool re-extract every object into them, checks the copy, and only "
    "then switches sf-api over. You will see every command and every file change before "
    "anything runs."
)
DURATION = (
    "How long: minutes for a demo, hours to days for millions of objects (the tool re-extracts "
    "every object from its stored image). The run survives a dropped SSH session: open ffwizard "
    "again to follow it."
)
UPGRADE = ("If this migration is part of a product upgrade, upgrade FindFace Multi first, "
           "then migrate.")


class WelcomeScreen(WizardScreen):
    STEP = 0
    TITLE_TEXT = "Welcome"
    HELP = ("This step says what the migration does and which installation it works on. "
            "Check the install root (the directory holding docker-compose.yaml), then Next: "
            "ffwizard looks at the installation and changes nothing yet.")
    CAN_GO_BACK = False

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        yield Static("Migrate feature vectors to a new model", classes="screen-title")
        yield Static(INTRO, classes="para")
        yield Static(DURATION, classes="para")
        yield Static("! " + UPGRADE, classes="para warning")
        kind = ("the demo: a simulated installation (nothing real is touched)" if state.demo
                else f"a real installation (runtime: {state.runtime_kind})")
        yield Static(f"Installation: {kind}", classes="para")
        with Horizontal(classes="field"):
            yield Label("Install root", classes="field-label")
            yield Input(str(state.root), id="root", compact=True,
                        disabled=state.demo, tooltip="the directory holding docker-compose.yaml")

    def go_next(self) -> None:
        state = self.app.state
        value = self.query_one("#root", Input).value.strip()
        if not value:
            self.say("Give the install root.", error=True)
            return
        root = Path(value).expanduser().resolve()
        if root != state.root:
            state.root = root
            state.runtime = None
            state.detection = None
        self.query_one("#next").disabled = True
        self.say("Looking at the installation (nothing is changed)…")
        self.detect()

    @work(thread=True, exclusive=True, group="detect")
    def detect(self) -> None:
        from ffwizard.ui.state import default_answers, detect_installation

        state = self.app.state
        try:
            detection = detect_installation(state)
            answers = default_answers(detection)
        except UserError as err:
            self.app.call_from_thread(self.detection_failed, str(err))
            return
        except Exception as err:  # a calm message, never a traceback
            self.app.call_from_thread(self.detection_failed,
                                      f"could not look at the installation: {err}")
            return
        self.app.call_from_thread(self.detection_done, detection, answers)

    def detection_failed(self, message: str) -> None:
        self.query_one("#next").disabled = False
        self.say(message, error=True)

    def detection_done(self, detection, answers: dict) -> None:
        from ffwizard.ui.screens.installation import InstallationScreen

        state = self.app.state
        state.detection = detection
        if not state.answers:
            state.answers = answers
        self.query_one("#next").disabled = False
        self.say("")
        self.app.push_screen(InstallationScreen())
