"""Text with long paths in it (commands, diffs), wrapped where a path may be cut: at spaces first,
then after a path separator, never inside a name unless a single name is wider than the line.

    Static(PathText(Content("$ mkdir -p /opt/findface-multi/data/…"), indent=2))

Continuation lines are indented by `indent` cells so that a wrapped command still reads as one.
"""

from __future__ import annotations

from functools import lru_cache

from textual.content import Content
from textual.visual import RenderOptions, Visual

# After these a line may be cut inside a word: a path's separator, an option's '=', a list's ',';
# failing those, inside one name at '-', '_' or '.'.
SEPARATORS = ("/=,", "-_.")


def break_offsets(text: str, width: int, indent: int = 2) -> list[int]:
    """Where to cut `text` so that each piece fits `width` cells (continuations `indent` less)."""
    offsets: list[int] = []
    start = 0
    room = max(width, 1)
    while len(text) - start > room:
        end = start + room
        window = text[start:end + 1]
        cut = window.rfind(" ")
        if cut > room // 3:
            cut = start + cut + 1  # the space ends the line
        else:
            for separators in SEPARATORS:
                cut = max(window[:-1].rfind(sep) for sep in separators)
                if cut > 0:
                    break
            cut = start + cut + 1 if cut > 0 else end  # else a name wider than a line: fold
        offsets.append(cut)
        start = cut
        room = max(width - indent, 1)
    return offsets


def wrap_at_separators(content: Content, width: int, indent: int = 2) -> Content:
    """`content`, its lines cut at `break_offsets`, continuations indented."""
    lines: list[Content] = []
    pad = " " * indent
    for line in content.split("\n", allow_blank=True):
        offsets = break_offsets(line.plain, width, indent)
        if not offsets:
            lines.append(line)
            continue
        pieces = line.divide(offsets)
        lines.append(pieces[0].rstrip())
        lines.extend(Content(pad) + piece.rstrip() for piece in pieces[1:])
    return Content("\n").join(lines)


class PathText(Visual):
    """A Content that wraps like `wrap_at_separators` at whatever width it is given."""

    def __init__(self, content: Content | str, indent: int = 2) -> None:
        self.content = content if isinstance(content, Content) else Content(content)
        self.indent = indent
        self._wrapped = lru_cache(maxsize=4)(
            lambda width: wrap_at_separators(self.content, width, self.indent))

    @property
    def plain(self) -> str:
        return self.content.plain

    def __str__(self) -> str:
        return self.content.plain

    def render_strips(self, width, height, style, options: RenderOptions):
        return self._wrapped(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules) -> int:
        return 1

    def get_height(self, rules, width: int) -> int:
        return self._wrapped(width).get_height(rules, width)
