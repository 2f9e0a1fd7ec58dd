"""Step 3: which object types to migrate, and to which model."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Select, Static

from ffwizard.core.installation import MODEL_CATEGORY, object_type_word
from ffwizard.core.models import slow_model_warning, slow_models, validate_models
from ffwizard.i18n import N_, _
from ffwizard.ui.screens.base import WizardScreen
from ffwizard.ui.screens.shards import ShardsScreen

OTHER = "__other__"
class ModelsScreen(WizardScreen):
    STEP = 2
    TITLE_TEXT = N_("Models")
    HELP = N_("Choose the object types to migrate and the new model for each. The list shows the "
              "model files the extraction service has for this device (CPU or GPU); the "
              "proposal, the newest other model, is preselected. Pick 'Other' to type a file "
              "name.")

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        inst = state.installation
        chosen = state.answers.get("object_types") or state.configured_types()
        models = state.answers.get("models") or {}
        yield Static(_("New models"), classes="screen-title")
        yield Static(_("Models for {device}, from the extraction service's model directory "
                       "({path}).").format(device=inst.device.upper(), path=inst.models_root),
                     classes="para muted")
        for kind in state.configured_types():
            available = state.models_for(kind)
            proposal = models.get(kind) or inst.models.get(kind, "")
            options = [(m, m) for m in available]
            if proposal and proposal not in available:
                options.insert(0, (proposal, proposal))
            options.append((_("Other (type a file name)…"), OTHER))
            with Vertical(classes="model-type", id=f"type-{kind}"):
                with Horizontal(classes="field"):
                    yield Checkbox(object_type_word(kind), kind in chosen, id=f"use-{kind}", compact=True,
                                   classes="field-label")
                    yield Static(_("now: {model}").format(model=inst.models.get(kind)),
                                 classes="muted")
                with Horizontal(classes="field"):
                    yield Label(_("new model"), classes="field-label")
                    yield Select(options, value=proposal if proposal else OTHER,
                                 allow_blank=False, id=f"model-{kind}", compact=True)
                with Horizontal(classes="field other", id=f"other-row-{kind}"):
                    yield Label(_("file name"), classes="field-label")
                    yield Input(placeholder=f"{MODEL_CATEGORY[kind]}/<name>.{inst.device}.fnk",
                                id=f"other-{kind}", compact=True)
                yield Static("", id=f"problem-{kind}", classes="problem")

    def on_mount(self) -> None:
        for kind in self.app.state.configured_types():
            self.query_one(f"#other-row-{kind}").display = (
                self.query_one(f"#model-{kind}", Select).value == OTHER)

    def on_select_changed(self, event: Select.Changed) -> None:
        kind = (event.select.id or "").removeprefix("model-")
        row = self.query(f"#other-row-{kind}")
        if row:
            row.first().display = event.value == OTHER
            if event.value == OTHER:
                self.query_one(f"#other-{kind}", Input).focus()
        self.check(quiet=True)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.check(quiet=True)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.check(quiet=True)

    def chosen_values(self) -> tuple[list[str], dict[str, str]]:
        types, models = [], {}
        for kind in self.app.state.configured_types():
            if not self.query_one(f"#use-{kind}", Checkbox).value:
                continue
            types.append(kind)
            value = self.query_one(f"#model-{kind}", Select).value
            if value == OTHER:
                value = self.query_one(f"#other-{kind}", Input).value.strip()
            models[kind] = str(value)
        return types, models

    def check(self, *, quiet: bool = False) -> bool:
        """Validate; show each type's problem under it. True when all is well (a CPU model on a
        GPU service is a warning the user may accept: it does not hold the wizard back)."""
        state = self.app.state
        types, models = self.chosen_values()
        available = state.detection.available_models
        problems = validate_models(state.installation, models, available)
        slow = {slow_model_warning(kind, model, available).message
                for kind, model in slow_models(state.installation, models).items()}
        # Each type's own problems, found by checking it alone (the messages may be in any
        # language, so they are not parsed); those of the whole choice stand as they are.
        messages = {problem.message for problem in problems}
        by_kind = {kind: [] for kind in state.configured_types()}
        for kind, model in models.items():
            by_kind[kind] = [p.message for p in validate_models(state.installation,
                                                                {kind: model}, available)
                             if p.message in messages]
        for kind, messages in by_kind.items():
            text = "; ".join(messages)
            if quiet and kind in models and self.query_one(f"#model-{kind}", Select).value == OTHER \
                    and not models[kind]:
                text = ""  # not typed yet: no scolding while the user is about to type
            shown = self.query_one(f"#problem-{kind}", Static)
            shown.update(text)
            shown.set_class(bool(messages) and set(messages) <= slow, "-warning")
        if not types:
            self.say(_("Choose at least one object type to migrate."), error=True)
            return False
        if [p for p in problems if p.message not in slow]:
            if not quiet:
                self.say(_("Fix the model choice(s) shown in red."), error=True)
            return False
        self.say("")
        return True

    def go_next(self) -> None:
        if not self.check():
            return
        types, models = self.chosen_values()
        self.app.state.answers["object_types"] = types
        self.app.state.answers["models"] = models
        self.app.push_screen(ShardsScreen())
