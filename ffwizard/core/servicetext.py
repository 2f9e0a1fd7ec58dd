"""The `services:` block of a compose file as text units, for files ruamel.yaml cannot write back
unchanged (a flow mapping wrapped over several lines is joined into one by ruamel).

Each service is a unit: the comment lines right above its key (`lead`), its key and body
(`block`) and the blank/comment lines up to the next unit (`gap`). Adding and removing services
moves whole units, so every other line of the file stays exactly as written; a new service is
the template's own text with its changed values replaced, checked against the document ruamel
computed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_SERVICES_KEY = re.compile(r"^services\s*:\s*(#.*)?$")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([^\s:#'"][^:#]*?))\s*:(?:\s|$)""")


@dataclass
class Unit:
    """One service of the compose file as text: comment lines above it, its lines, what follows."""

    name: str
    lead: list[str]
    block: list[str]
    gap: list[str]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank(line: str) -> bool:
    return not line.strip()


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


class ServiceText:
    """The compose file split into: head, one unit per service, rest."""

    def __init__(self, text: str):
        lines = text.splitlines(keepends=True)
        start = next((i for i, line in enumerate(lines) if _SERVICES_KEY.match(line)), None)
        if start is None:
            raise ValueError("no block-style services: key")
        end = len(lines)
        key_indent = None
        keys: list[int] = []
        for i in range(start + 1, len(lines)):
            line = lines[i]
            if _blank(line) or _comment(line):
                continue
            indent = _indent(line)
            if indent == 0:
                end = i
                break
            if key_indent is None:
                key_indent = indent
            if indent == key_indent:
                keys.append(i)
            elif indent < key_indent:
                raise ValueError("unexpected indentation in services")
        if not keys:
            raise ValueError("no services")
        key_indent = _indent(lines[keys[0]])
        # Comment lines directly above a key (no blank line between) are that key's lead.
        leads: list[int] = []
        for key in keys:
            first = key
            while first - 1 > start and _comment(lines[first - 1]) \
                    and _indent(lines[first - 1]) <= key_indent:
                first -= 1
            leads.append(first)
        self.head = lines[:leads[0]]
        self.rest = lines[end:]
        self.units: list[Unit] = []
        for n, key in enumerate(keys):
            limit = leads[n + 1] if n + 1 < len(keys) else end
            body_end = key + 1
            for i in range(key + 1, limit):
                if not _blank(lines[i]) and _indent(lines[i]) > key_indent:
                    body_end = i + 1
                elif not _blank(lines[i]):
                    break
            match = _KEY.match(lines[key])
            name = next(g for g in match.groups() if g) if match else lines[key].strip()
            self.units.append(Unit(name=name.strip(), lead=lines[leads[n]:key],
                                   block=lines[key:body_end], gap=lines[body_end:limit]))

    def render(self) -> str:
        return "".join(self.head + [line for u in self.units for line in u.lead + u.block + u.gap]
                       + self.rest)

    def index(self, name: str) -> int:
        for n, unit in enumerate(self.units):
            if unit.name == name:
                return n
        raise KeyError(name)

    def block_text(self, name: str) -> str:
        return "".join(self.units[self.index(name)].block)

    def insert_after(self, template: str, others: list[str],
                     new_blocks: list[tuple[str, str]]) -> None:
        """Insert (name, block text) units after `template`, separated like the `others`."""
        position = self.index(template)
        unit = self.units[position]
        separator: list[str] = []
        for name in others:
            if name != template and name in self.names():
                gap = self.units[self.index(name)].gap
                separator = list(gap) if all(_blank(line) for line in gap) else []
                break
        else:
            separator = [line for line in _leading_blanks(unit.gap)]
        tail_gap, unit.gap = unit.gap, list(separator)
        for n, (name, text) in enumerate(new_blocks):
            last = n == len(new_blocks) - 1
            new = Unit(name=name, lead=[], block=text.splitlines(keepends=True),
                       gap=tail_gap if last else list(separator))
            self.units.insert(position + 1 + n, new)

    def remove(self, name: str) -> None:
        position = self.index(name)
        unit = self.units.pop(position)
        if position < len(self.units):
            follower = self.units[position]
            if unit.lead and not follower.lead:
                follower.lead = unit.lead  # e.g. "# Tarantool shards" stays above the shards
        elif position > 0:
            self.units[position - 1].gap = unit.gap  # the gap before what follows services

    def names(self) -> list[str]:
        return [u.name for u in self.units]


def _leading_blanks(lines: list[str]) -> list[str]:
    result: list[str] = []
    for line in lines:
        if not _blank(line):
            break
        result.append(line)
    return result


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement that is `text` as written (no backslash escapes)."""
    return lambda _match: text


def replace_values(block: str, pairs: list[tuple[str, str]]) -> str:
    """Replace each old scalar by the new one where it stands as a whole value."""
    for old, new in pairs:
        pattern = re.compile(r"(?<![\w./:=-])" + re.escape(old) + r"(?![\w./:=-])")
        block = pattern.sub(_literal(new), block)
    return block
