"""Step 5: where the backup goes, the migration tool's settings, clusters, event intake."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Checkbox, Input, Label, Static

from ffwizard.core.video import intake_services
from ffwizard.i18n import N_, _
from ffwizard.ui.screens.base import WizardScreen
from ffwizard.ui.screens.review import ReviewScreen
from ffwizard.ui.state import free_space, human_bytes

# The migration tool's numbers: answers key, label (17 columns at most), hint, and the problem
# of a value that is not a whole number of at least 1.
NUMBERS = (
    ("workers_num", N_("workers"), N_("parallel extraction workers of the migration tool"),
     N_("workers must be a whole number of at least 1.")),
    ("objects_limit", N_("objects limit"), N_("objects fetched per request"),
     N_("objects limit must be a whole number of at least 1.")),
    ("extraction_batch_size", N_("batch size"), N_("objects per extraction call"),
     N_("batch size must be a whole number of at least 1.")),
)


class SettingsScreen(WizardScreen):
    STEP = 4
    TITLE_TEXT = N_("Settings")
    HELP = N_("The backup directory receives the database dump before anything changes; it needs "
              "room for it. The three numbers tune the vendor's migration tool (its defaults are "
              "safe). Cluster migration is offered when clustering is enabled. Event intake: where "
              "the compose file has a video pipeline, its services are stopped from the model "
              "switch to the sf-api switch (on by default), so that no event lands in the old "
              "shards while they are copied; off, the events of that window are counted.")

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        answers = state.answers
        yield Static(_("Settings"), classes="screen-title")
        with Horizontal(classes="field"):
            yield Label(_("backup directory"), classes="field-label")
            yield Input(str(answers.get("backup_dir", "")), id="backup_dir", compact=True)
        yield Static("", id="free-space", classes="hint")
        migration = answers.get("migration") or {}
        for key, label, hint, _problem in NUMBERS:
            with Horizontal(classes="field"):
                yield Label(_(label), classes="field-label")
                yield Input(str(migration.get(key, "")), id=key, type="integer", compact=True,
                            classes="number", max_length=6)
                yield Static(_(hint), classes="muted hint-inline")
        if state.installation.clustering_enabled:
            with Horizontal(classes="field"):
                yield Label(_("clusters"), classes="field-label")
                yield Checkbox(_("migrate clusters after the switch (re-clusters events)"),
                               bool(answers.get("migrate_clusters", True)), id="migrate_clusters",
                               compact=True)
        else:
            yield Static(_("Clustering is disabled in this installation: no cluster migration."),
                         classes="muted")
        video = intake_services(state.installation)
        if video:
            with Horizontal(classes="field"):
                yield Label(_("intake"), classes="field-label")
                yield Checkbox(_("pause event intake for the copy"),
                               bool(answers.get("pause_intake", True)), id="pause_intake",
                               compact=True)
            yield Static(_("stops {services} from the model switch to the sf-api "
                           "switch").format(services=", ".join(video)),
                         id="intake-services", classes="hint")
        yield Static("", id="settings-problems", classes="problem")

    def on_mount(self) -> None:
        self.show_free_space()

    def show_free_space(self) -> None:
        value = self.query_one("#backup_dir", Input).value.strip()
        if not value:
            self.query_one("#free-space", Static).update("")
            return
        path = self.resolve_backup(value)
        self.query_one("#free-space", Static).update(
            _("free space there: {size}").format(
                size=human_bytes(free_space(path, self.app.state.settings))))

    def resolve_backup(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.app.state.root / path

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "backup_dir":
            self.show_free_space()
        self.check(quiet=True)

    def check(self, *, quiet: bool = False) -> bool:
        problems = []
        backup = self.query_one("#backup_dir", Input).value.strip()
        if not backup:
            problems.append(_("Give a backup directory."))
        elif self.resolve_backup(backup).exists() and not self.resolve_backup(backup).is_dir():
            problems.append(_("{path} exists and is not a directory.").format(path=backup))
        for key, _label, _hint, problem in NUMBERS:
            text = self.query_one(f"#{key}", Input).value.strip()
            if not text.isdigit() or int(text) < 1:
                problems.append(_(problem))
        self.query_one("#settings-problems", Static).update("\n".join(problems))
        if problems:
            if not quiet:
                self.say(_("Fix the values shown in red."), error=True)
            return False
        self.say("")
        return True

    def go_next(self) -> None:
        if not self.check():
            return
        answers = self.app.state.answers
        answers["backup_dir"] = str(self.resolve_backup(self.query_one("#backup_dir", Input).value.strip()))
        answers["migration"] = {key: int(self.query_one(f"#{key}", Input).value)
                                for key, *_texts in NUMBERS}
        clusters = self.query("#migrate_clusters")
        answers["migrate_clusters"] = bool(clusters.first().value) if clusters else False
        intake = self.query("#pause_intake")
        if intake:
            answers["pause_intake"] = bool(intake.first().value)
        self.app.push_screen(ReviewScreen())
