"""A unified diff in colours that stay apart in a 16-colour terminal, long paths wrapped at '/'."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ffwizard.i18n import _
from ffwizard.ui.palette import BAD, GOOD
from ffwizard.ui.widgets.path_text import PathText

LINE_STYLES = (
    ("+++", "bold $text-muted"),
    ("---", "bold $text-muted"),
    ("@@", "$text-accent"),
    ("+", GOOD),
    ("-", BAD),
)


def diff_content(diff: str) -> Content:
    parts: list[tuple[str, str] | str] = []
    for line in diff.splitlines():
        style = next((s for prefix, s in LINE_STYLES if line.startswith(prefix)), "")
        parts.append((line + "\n", style) if style else line + "\n")
    return Content.assemble(*parts).rstrip()


class DiffView(Static):
    DEFAULT_CSS = """
    DiffView {
        background: $boost;
        padding: 0 1;
        margin: 0 0 1 0;
        width: 1fr;
        height: auto;
    }
    """

    def __init__(self, diff: str, **kw) -> None:
        super().__init__(PathText(diff_content(diff)) if diff.strip() else Content(_("(no change)")),
                         **kw)
