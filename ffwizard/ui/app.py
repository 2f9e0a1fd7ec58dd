"""The wizard application and its factory (used by the CLI, the tests and the screenshot script).

    app = create_app(root, runtime_kind="docker" | "sim", demo=False)
    run_wizard(root, runtime_kind, demo=False) -> exit status
    run_demo(prepared_demo) -> exit status     (called by `ffwizard demo`)
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from ffwizard.i18n import N_, _, current_language, set_language
from ffwizard.ui.translate import translate_bindings
from ffwizard.ui.state import WizardState, existing_run, finished_run


def _stylesheet() -> str:
    # Read as a package resource, not a file path: works from the zip bundle too.
    from importlib.resources import files

    return files("ffwizard.ui").joinpath("app.tcss").read_text(encoding="utf-8")


class WizardApp(App):
    CSS = _stylesheet()
    TITLE = "ffwizard"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS = [
        Binding("f1", "help", N_("Help"), priority=True),
        Binding("f2", "switch_language", N_("Language"),
                tooltip=N_("Switch between English and Russian (only on the first step)")),
        Binding("ctrl+q", "quit_wizard", N_("Quit"), priority=True),
        Binding("ctrl+c", "interrupt", N_("Stop"), show=False, priority=True),
    ]

    def __init__(self, state: WizardState) -> None:
        super().__init__()
        translate_bindings(self)
        self.state = state

    def on_mount(self) -> None:
        from ffwizard.ui.screens.run import RunScreen
        from ffwizard.ui.screens.welcome import WelcomeScreen

        self.push_screen(WelcomeScreen())
        run_dir = existing_run(self.state.root)
        if run_dir is not None:
            # A run is under way (or was cut short): show it rather than start another.
            self.push_screen(RunScreen(attach=True))
            return
        finished = finished_run(self.state.root)
        if finished is not None:
            # The last migration finished: show its result; Back leads to a new migration.
            from ffwizard.core.executor import Outcome
            from ffwizard.core.events import RunStatus
            from ffwizard.core.plan import Plan
            from ffwizard.ui.screens.done import DoneScreen

            self.push_screen(DoneScreen(Outcome(RunStatus.DONE, None, None, finished), Plan.load(finished)))

    # --- app-wide keys -----------------------------------------------------------------------
    def action_help(self) -> None:
        from ffwizard.ui.screens.dialogs import HelpScreen

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        title = getattr(screen, "TITLE_TEXT", None)
        title = _(title) if title else type(screen).__name__
        text = getattr(screen, "HELP", "")
        text = _(text) if text else _("Answer the questions on this screen, then Next.")
        self.push_screen(HelpScreen(title, text))

    # --- the language ----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_language":
            # Only where nothing has been typed or built yet: the first step rebuilds itself.
            return type(self.screen).__name__ == "WelcomeScreen"
        return True

    async def action_switch_language(self) -> None:
        screen = self.screen
        if type(screen).__name__ == "WelcomeScreen":
            await screen.use_language("ru" if current_language() == "en" else "en")

    def language_changed(self, language: str) -> None:
        """Speak `language` from now on: the app's own footer words included."""
        set_language(language)
        translate_bindings(self)
        self.refresh_bindings()

    def action_interrupt(self) -> None:
        handler = getattr(self.screen, "action_interrupt", None)
        if handler is not None:
            handler()
        else:
            self.action_quit_wizard()

    def action_quit_wizard(self) -> None:
        from ffwizard.ui.screens.dialogs import Choice

        handler = getattr(self.screen, "quit_question", None)
        text = handler() if handler else _(
            "Nothing has been changed on the installation yet. You can start again at any time.")

        def answered(answer: str | None) -> None:
            if answer == "quit":
                self.exit(0)

        self.push_screen(Choice(_("Quit ffwizard?"), text,
                                [("stay", _("Stay")), ("quit", _("Quit"))]), answered)


def create_app(root: Path | str, runtime_kind: str = "docker", *, demo: bool = False,
               runtime=None, frozen: bool = False) -> WizardApp:
    state = WizardState(root=Path(root).expanduser().resolve(), runtime_kind=runtime_kind,
                        demo=demo, runtime=runtime, frozen=frozen)
    return WizardApp(state)


def run_wizard(root: Path | str, runtime_kind: str = "docker", *, demo: bool = False,
               runtime=None) -> int:
    app = create_app(root, runtime_kind, demo=demo, runtime=runtime)
    result = app.run()
    return int(result or 0) if isinstance(result, int) else 0


def run_demo(demo) -> int:
    """The wizard on a prepared simulated installation (`ffwizard.demo.PreparedDemo`)."""
    return run_wizard(demo.root, "sim", demo=True, runtime=demo.runtime)
