"""The wizard's top line: every step's name, the current one highlighted, the done ones ticked."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ffwizard.i18n import N_, _
from ffwizard.ui.palette import GOOD

# TRANSLATORS: the step names share one line of 80 columns; keep them short.
STEP_NAMES = (N_("Welcome"), N_("Installation"), N_("Models"), N_("Shards"), N_("Settings"),
              N_("Review"), N_("Run"), N_("Done"))


class StepHeader(Static):
    DEFAULT_CSS = """
    StepHeader {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, current: int, *, demo: bool = False) -> None:
        super().__init__(self.crumbs(current, demo=demo))
        self.current = current
        self.demo = demo

    def on_resize(self, event) -> None:
        # Longer step names (Russian) and the demo badge may not fit 80 columns with roomy
        # separators: then the separators shrink, so the last step and the badge stay in sight.
        self.update(self.crumbs(self.current, demo=self.demo,
                                width=event.size.width - self.styles.gutter.width))

    @staticmethod
    def crumbs(current: int, *, demo: bool = False, width: int | None = None) -> Content:
        line = StepHeader._crumbs(current, demo, " › ")
        if width is not None and line.cell_length > width:
            line = StepHeader._crumbs(current, demo, "› ")
        return line

    @staticmethod
    def _crumbs(current: int, demo: bool, separator: str) -> Content:
        parts: list[tuple[str, str] | str] = []
        for index, name in enumerate(map(_, STEP_NAMES)):
            if index:
                parts.append((separator, "$text-muted"))
            if index == current:
                parts.append((f"{index + 1}.{name}", "bold reverse $accent"))
            elif index < current:
                parts.append((name, GOOD))
            else:
                parts.append((name, "$text-muted"))
        if demo:
            # TRANSLATORS: a badge at the end of the step line: this is the demo installation.
            parts.append(("  " + _("DEMO"), "bold $text-warning"))
        return Content.assemble(*parts)
