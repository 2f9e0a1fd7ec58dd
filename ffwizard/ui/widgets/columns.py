"""Short items (services and their states) in as many columns as the width holds, each column as
wide as its widest item, so that no item is ever wrapped onto a second line (a Russian state word
is longer than the English one)."""

from __future__ import annotations

from functools import lru_cache

from textual.content import Content
from textual.visual import RenderOptions, Visual


def arrange(items: list[Content], width: int, gap: int = 2) -> Content:
    """`items` column by column (down, then across) in the most columns that fit `width`."""
    if not items:
        return Content("")
    item_width = max(item.cell_length for item in items)
    columns = max(1, min(len(items), (width + gap) // (item_width + gap)))
    rows = -(-len(items) // columns)
    lines = []
    for row in range(rows):
        cells = [items[index] for index in range(row, len(items), rows)]
        line = Content("")
        for position, cell in enumerate(cells):
            if position:
                line += Content(" " * gap)
            last = position == len(cells) - 1
            line += cell if last else cell + Content(" " * (item_width - cell.cell_length))
        lines.append(line)
    return Content("\n").join(lines)


class ColumnsText(Visual):
    def __init__(self, items: list[Content], gap: int = 2) -> None:
        self.items = items
        self.gap = gap
        self._arranged = lru_cache(maxsize=4)(lambda width: arrange(self.items, width, self.gap))

    def __str__(self) -> str:
        return "\n".join(item.plain for item in self.items)

    def render_strips(self, width, height, style, options: RenderOptions):
        return self._arranged(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules, container_width: int) -> int:
        return self._arranged(container_width).get_optimal_width(rules, container_width)

    def get_height(self, rules, width: int) -> int:
        return self._arranged(width).get_height(rules, width)
