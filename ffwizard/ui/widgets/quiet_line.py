"""One-row widgets that send a terminal only the cells that changed: the Run screen's progress
row is redrawn at every poll, and Textual repaints a whole widget when its text changes (a bar
of 75 cells and its counts: ~450 bytes a poll, more than a tool's line a second over SSH).

A `QuietLine` keeps the cells it last drew and, when its state changes, asks Textual to repaint
only the runs of cells that differ. Textual then sends the widget's row from its left edge to
the end of each run, so a line whose parts change apart is made of several widgets
(`QuietFields`, `QuietBar`). A change of width lays the row out again and repaints it whole.
In the terminal's own colours (`ansi_default`) a run is sent without colour codes.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from ffwizard.ui.palette import NO_STYLE, TERMINAL_COLOURS

# Changed runs closer than this many cells are sent as one (a cursor move costs ~8 bytes).
MERGE_GAP = 4

Cells = list[tuple[str, Style]]


class QuietLine(Widget):
    """A row of styled cells that repaints only what changed. Subclasses say what to show in
    `pieces()`: (text, style) pairs of one-cell characters."""

    DEFAULT_CSS = """
    QuietLine { height: 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._drawn: Cells | None = None  # the cells as last asked to be drawn

    def pieces(self, width: int) -> list[tuple[str, Style]]:
        raise NotImplementedError

    def _cells(self, width: int) -> Cells | None:
        """The row as cells, `width` of them; None when a character is not one cell wide."""
        base = self.rich_style
        if base == TERMINAL_COLOURS:
            base = NO_STYLE
        cells: Cells = []
        for text, style in self.pieces(width):
            if cell_len(text) != len(text):
                return None
            combined = base + style
            cells.extend((char, combined) for char in text)
        del cells[width:]
        cells.extend((" ", base) for _ in range(width - len(cells)))
        return cells

    def changed(self) -> None:
        """The state changed: repaint the cells that now differ from those drawn."""
        if not self.is_mounted or not self.size.width:
            self.refresh(layout=True)
            return
        width = self.size.width
        new, old = self._cells(width), self._drawn
        self._drawn = new
        if new is None or old is None or len(old) != len(new):
            self.refresh()
            return
        runs: list[list[int]] = []
        for x, (was, now) in enumerate(zip(old, new)):
            if was != now:
                if runs and x - runs[-1][1] <= MERGE_GAP:
                    runs[-1][1] = x + 1
                else:
                    runs.append([x, x + 1])
        for start, end in runs:
            self.refresh(Region(start, 0, end - start, 1))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y != 0:
            return Strip.blank(width, self.rich_style)
        cells = self._cells(width)
        if cells is None:  # characters wider than a cell: the row drawn whole
            base = self.rich_style
            return Strip([Segment(text, base + style) for text, style in self.pieces(width)]
                         ).crop_extend(0, width, base)
        if self._drawn is None:
            self._drawn = cells
        segments = []
        start = 0
        for x in range(1, width + 1):
            if x == width or cells[x][1] != cells[start][1]:
                segments.append(Segment("".join(char for char, _ in cells[start:x]),
                                        cells[start][1]))
                start = x
        return Strip(segments, width)


class QuietText(QuietLine):
    """A line of text (`update()` it). It is as wide as the widest text it has shown, so a
    shorter one (an estimate of "9 s" after "10 s") does not lay the row out again."""

    DEFAULT_CSS = """
    QuietText { height: 1; width: auto; }
    """

    def __init__(self, text: str = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = text
        self._widest = cell_len(text)

    def render(self) -> Content:
        return Content(self.text)  # what tests read

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._widest

    def update(self, text: str) -> None:
        if text == self.text:
            return
        width = cell_len(text)
        relayout = width > self._widest
        self._widest = max(self._widest, width)
        self.text = text
        if relayout:
            self._drawn = None
            self.refresh(layout=True)
        else:
            self.changed()

    def pieces(self, width: int) -> list[tuple[str, Style]]:
        return [(self.text, NO_STYLE)]


class QuietFields(Horizontal):
    """A line of " · "-separated fields, each its own widget: Textual sends a changed cell
    and the cells before it in the same widget, so a new time left costs that field only."""

    DEFAULT_CSS = """
    QuietFields { height: 1; width: auto; }
    """
    SEPARATOR = " · "

    def __init__(self, text: str = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.shown_text = text

    def compose(self) -> ComposeResult:
        for field in self._fields(self.shown_text):
            yield QuietText(field)

    def _fields(self, text: str) -> list[str]:
        parts = text.split(self.SEPARATOR) if text else []
        return [part if n == 0 else self.SEPARATOR + part for n, part in enumerate(parts)]

    def update(self, text: str) -> None:
        if text == self.shown_text:
            return
        self.shown_text = text
        fields = self._fields(text)
        shown = list(self.query_children(QuietText))
        for widget, field in zip(shown, fields):
            widget.update(field)
        if len(fields) > len(shown):
            self.mount_all([QuietText(field) for field in fields[len(shown):]])
        for widget in shown[len(fields):]:
            widget.remove()


class BarPart(QuietLine):
    """A stretch of a `QuietBar`: the bar is cut in parts so that a moved end repaints one."""

    DEFAULT_CSS = """
    BarPart { height: 1; width: 1fr; }
    """

    def pieces(self, width: int) -> list[tuple[str, Style]]:
        bar = self.parent
        assert isinstance(bar, QuietBar)
        total = sum(part.size.width for part in bar.query_children(BarPart))
        start = self.region.x - bar.region.x
        fraction = bar.percentage
        done = fraction is not None and fraction >= 1
        style = bar.get_component_rich_style("bar--complete" if done else "bar--bar")
        # As Textual's bar: the done part in the bar's colour, the rest in its background's.
        filled_style = Style.from_color(style.color)
        empty_style = Style.from_color(style.bgcolor)
        half_cells = round(total * 2 * (fraction or 0.0)) - 2 * start
        full, half = divmod(max(0, min(half_cells, 2 * width)), 2)
        pieces: list[tuple[str, Style]] = [("━" * full, filled_style)]
        if half:
            pieces.append(("╸", filled_style))
        pieces.append(("━" * (width - full - half), empty_style))
        return pieces


class QuietBar(Horizontal):
    """A progress bar and its percentage, without the stock bar's animation or ticking (an
    unknown total shows an empty bar and "--%"): a poll repaints the part of the bar where its
    end moved and the percentage's changed digits."""

    COMPONENT_CLASSES = {"bar--bar", "bar--complete"}
    DEFAULT_CSS = """
    QuietBar { height: 1; width: 1fr; }
    QuietBar > .bar--bar { color: $primary; background: $surface; }
    QuietBar > .bar--complete { color: $success; background: $surface; }
    QuietBar > QuietText { width: 5; }
    """
    PARTS = 8

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.total: float | None = None
        self.progress: float = 0.0

    def compose(self) -> ComposeResult:
        for _ in range(self.PARTS):
            yield BarPart()
        yield QuietText(self._percent())

    @property
    def percentage(self) -> float | None:
        if not self.total:
            return None
        return max(0.0, min(1.0, self.progress / self.total))

    def _percent(self) -> str:
        fraction = self.percentage
        return ("--%" if fraction is None else f"{round(fraction * 100)}%").rjust(5)

    def update(self, *, total: float | None = None, progress: float | None = None) -> None:
        """Like ProgressBar.update; `total=None`: unknown."""
        self.total = total
        if progress is not None:
            self.progress = progress
        for part in self.query_children(BarPart):
            part.changed()
        self.query_children(QuietText).first().update(self._percent())
