"""Small YAML edits made in the file's own text, at the places PyYAML's parser marks.

A scalar is replaced where the parser saw it (its quotes kept), a block sequence's items are
removed or copied as their own lines: every other byte stays as written, and neither ruamel.yaml's
import nor its load and dump (~20x slower than PyYAML's C parser) is on the way. On every fixture
and site shape the text is the one ruamel writes (the tests compare the two); elsewhere it can
differ only where ruamel's is the worse: a comment after a changed value keeps its gap (ruamel
keeps its column), and a comment after a list entry is not copied with the entry. What
it cannot do as text (a block scalar, a flow sequence, an anchor, a value that would need quoting
differently, a key given twice...) raises `NotAsText`: the caller then edits with ruamel, as
before. Callers check the data of every text made either way.

The emitter at the end writes a new document (dicts, lists, strings, ints, booleans) as ruamel
would with the same indentation, for the values it can tell ruamel's style of; others raise
`NotAsText` too.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.resolver import Resolver

from ffwizard.core.yamlio import fast_loader


class NotAsText(Exception):
    """This edit cannot be made as text: make it with ruamel.yaml."""


_STR = "tag:yaml.org,2002:str"
_RESOLVER = Resolver()
# A plain scalar whose style is sure (ruamel writes it plain, in block and in flow context):
# starts with a letter, digit, `/` or `.`, no spaces, no flow indicators, no quotes.
_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./:@%+=~-]*")
# What YAML 1.2 (ruamel's resolver) reads as a number although YAML 1.1 (PyYAML's) reads a string.
_NUMBER_12 = re.compile(r"[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9_]*\.?[0-9_]*"
                        r"(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))")
_BOOL_NULL_12 = frozenset({"true", "True", "TRUE", "false", "False", "FALSE", "null", "Null",
                           "NULL", "~"})


def plain_ok(value: str) -> bool:
    """True when `value` is written plain by ruamel and read back as this string by YAML 1.1
    and 1.2 parsers alike."""
    if not _PLAIN.fullmatch(value) or value.endswith(":") or value in _BOOL_NULL_12:
        return False
    if _NUMBER_12.fullmatch(value) or value in ("=", "<<"):
        return False
    tag: object = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return tag == _STR


def _printable(value: str) -> bool:
    return all(" " <= ch <= "~" for ch in value)


def quoted(value: str, style: str | None) -> str:
    """`value` written in `style` (None plain, `'` or `"`), as ruamel writes that style."""
    if style is None:
        if not plain_ok(value):
            raise NotAsText("needs quotes")
        return value
    if style == "'" and _printable(value):
        return "'" + value.replace("'", "''") + "'"
    if style == '"' and _printable(value) and '"' not in value and "\\" not in value:
        return '"' + value + '"'
    raise NotAsText("style")


class YamlText:
    """A document's LF text, its node tree (with marks) and the edits so far."""

    def __init__(self, text: str):
        self.text = text
        try:
            root = yaml.compose(text, Loader=fast_loader())  # noqa: S506 - safe
        except yaml.YAMLError:
            raise NotAsText("parse") from None
        if root is None:
            raise NotAsText("empty")
        self.root: yaml.Node = root
        self._starts = [0]
        for match in re.finditer("\n", text):
            self._starts.append(match.end())
        self._edits: list[tuple[int, int, str]] = []
        _refuse_duplicates(root)

    # --- finding -------------------------------------------------------------------------------
    @staticmethod
    def get(node: yaml.Node, key: str) -> yaml.Node:
        """The value node of `key` in mapping `node` (KeyError when it is not there)."""
        if not isinstance(node, yaml.MappingNode):
            raise NotAsText("not a mapping")
        for key_node, value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge":
                raise NotAsText("merge key")
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found: yaml.Node = value
                return found
        raise KeyError(key)

    @staticmethod
    def has(node: yaml.Node, key: str) -> bool:
        try:
            YamlText.get(node, key)
        except KeyError:
            return False
        return True

    def _index(self, mark: Any) -> int:
        """The text index of a mark (from its line and column; checked by the callers)."""
        return int(self._starts[mark.line] + mark.column)

    def span(self, node: yaml.Node) -> tuple[int, int]:
        return self._index(node.start_mark), self._index(node.end_mark)

    def _line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def _line_end(self, index: int) -> int:
        """The index after the newline of the line holding `index`."""
        end = self.text.find("\n", index)
        return len(self.text) if end < 0 else end + 1

    # --- editing -------------------------------------------------------------------------------
    def scalar_text(self, node: yaml.Node, value: str) -> tuple[int, int, str]:
        """(start, end, text) replacing scalar `node` by `value` in its own style."""
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            raise NotAsText("not a string")
        start, end = self.span(node)
        style = node.style or None  # plain: None from PyYAML's parser, "" from libyaml's
        if self.text[start:end] != quoted(node.value, style):
            raise NotAsText("written otherwise")  # an anchor, a tag, escapes, a folded line
        return start, end, quoted(value, style)

    def replace(self, node: yaml.Node, value: str) -> None:
        start, end, text = self.scalar_text(node, value)
        if text != self.text[start:end]:
            self._edits.append((start, end, text))

    def _items(self, sequence: yaml.Node) -> list[tuple[int, int, int]]:
        """(line start, item start, item end) of each item of a block sequence, each item
        starting on its own `- ` line."""
        if not isinstance(sequence, yaml.SequenceNode) or sequence.flow_style:
            raise NotAsText("not a block sequence")
        items = []
        for item in sequence.value:
            start = self._index(item.start_mark)
            line = self._line_start(start)
            if not re.fullmatch(r" *- +", self.text[line:start]):
                raise NotAsText("item layout")
            end = _content_end(self, item)
            if self.text[end:self._line_end(end)].strip(" \n")[:1] not in ("", "#"):
                raise NotAsText("item layout")
            items.append((line, start, end))
        return items

    def remove_items_from(self, sequence: yaml.Node, first: int) -> None:
        """Remove the items from index `first` on (their lines, comments on them included)."""
        items = self._items(sequence)
        if first >= len(items):
            return
        if first == 0:
            raise NotAsText("would empty the sequence")
        self._edits.append((items[first][0], self._line_end(items[-1][2]), ""))

    def append_copies(self, sequence: yaml.Node, template: int,
                      copies: list[list[tuple[yaml.Node, str]]]) -> None:
        """After the last item, one copy of item `template`'s lines per entry of `copies`, each
        with its (scalar node inside the template, new value) pairs replaced."""
        items = self._items(sequence)
        if not copies:
            return
        line, _start, end = items[template]
        texts = []
        for pairs in copies:
            replaced = [self.scalar_text(node, value) for node, value in pairs]
            if not all(line <= start <= stop <= end for start, stop, _text in replaced):
                raise NotAsText("not in the template")
            texts.append(_apply(self.text[line:end], [(s - line, e - line, t)
                                                      for s, e, t in replaced]) + "\n")
        at = self._line_end(items[-1][2])
        if not self.text[:at].endswith("\n"):
            raise NotAsText("no newline at the end")
        self._edits.append((at, at, "".join(texts)))

    def render(self) -> str:
        return _apply(self.text, self._edits)


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """`text` with each (start, end, new) span replaced; the spans must not overlap."""
    result: list[str] = []
    position = 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < position:
            raise NotAsText("overlapping edits")
        result += [text[position:start], new]
        position = end
    result.append(text[position:])
    return "".join(result)


def _content_end(doc: YamlText, node: yaml.Node) -> int:
    """Where the node's own text ends: its end mark for a scalar or a flow collection; for a
    block collection (whose end mark is where the next token starts), its last child's end."""
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        raise NotAsText("block scalar")  # it ends where the next token starts
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return doc._index(node.end_mark)
    children: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    if not children:
        raise NotAsText("empty block collection")
    return max(_content_end(doc, child) for child in children)


def _refuse_duplicates(node: yaml.Node) -> None:
    """A key given twice anywhere: ruamel's load names it (the caller falls back to it)."""
    stack = [node]
    seen_nodes: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen_nodes:
            continue
        seen_nodes.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys = [k.value for k, _v in current.value if isinstance(k, yaml.ScalarNode)]
            if len(keys) != len(set(keys)):
                raise NotAsText("duplicate key")
            stack += [part for pair in current.value for part in pair]
        elif isinstance(current, yaml.SequenceNode):
            stack += current.value


# --- writing a new document --------------------------------------------------------------------

def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "''" if value == "" else quoted(value, None)
    raise NotAsText("value type")


def emit(document: dict[str, Any], *, mapping: int = 2, sequence: int = 4,
         offset: int = 2) -> str:
    """`document` in block style, as ruamel.yaml's round-trip dumper writes it with
    `indent(mapping, sequence, offset)` and no line width (tests compare the two)."""
    lines: list[str] = []

    def block(node: object, indent: int, first_prefix: str | None = None) -> None:
        """Emit a mapping or sequence at `indent`; `first_prefix` replaces the first line's
        indentation (a sequence item's `- `)."""
        prefix = first_prefix
        if isinstance(node, dict):
            if not node:
                raise NotAsText("empty mapping")
            for key, value in node.items():
                if not isinstance(key, str) or not plain_ok(key):
                    raise NotAsText("key")
                head = (prefix if prefix is not None else " " * indent) + key + ":"
                prefix = None
                if isinstance(value, (dict, list)) and value:
                    lines.append(head)
                    if isinstance(value, dict):
                        block(value, indent + mapping)
                    else:
                        block(value, indent)
                elif isinstance(value, (dict, list)):
                    lines.append(head + (" {}" if isinstance(value, dict) else " []"))
                else:
                    lines.append(head + " " + _scalar(value))
        elif isinstance(node, list):
            for item in node:
                dash = " " * (indent + offset) + "-" + " " * (sequence - offset - 1)
                if isinstance(item, dict) and item:
                    block(item, indent + sequence, dash)
                elif isinstance(item, (dict, list)):
                    raise NotAsText("nested sequence")
                else:
                    lines.append(dash + _scalar(item))
        else:
            raise NotAsText("not a collection")

    block(document, 0)
    return "\n".join(lines) + "\n"
