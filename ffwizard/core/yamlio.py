"""Reading YAML fast (PyYAML's C loader) and editing it faithfully (ruamel.yaml round trip).

Reading never goes through ruamel: it is ~20x slower. Editing does, configured so that an
untouched document dumps back byte for byte: quotes preserved, no re-wrapping of long flow
lines, and the file's own indentation.
"""

from __future__ import annotations

import io
import re
import sys
from collections import Counter
from collections.abc import Hashable
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import yaml
from yaml.constructor import SafeConstructor

from ffwizard.core import limits
from ffwizard.core.errors import YamlReadError
from ffwizard.core.secrets import redact, remember
from ffwizard.i18n import N_, _

if TYPE_CHECKING:
    from typing import TypeAlias

    from ruamel.yaml import YAML

    # PyYAML's loaders: CSafeLoader only where libyaml is built in.
    YamlLoader: TypeAlias = type[yaml.SafeLoader] | type[yaml.CSafeLoader]


def fast_loader() -> YamlLoader:
    """PyYAML's C loader when libyaml is built in, else its pure-Python one (the offline bundle
    may ship PyYAML without the C extension). Asked at each read, never fixed at import."""
    loader: YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


WIDTH = 1 << 16  # never re-wrap


# `what` names the file in messages: a message marked with N_ ("compose file"), translated here.
# TRANSLATORS: the default name of a file in the messages below ("the file is missing.").
FILE = N_("file")


def read_text(path: Path, *, what: str = FILE) -> str:
    """The file's text. Refuses, in one sentence naming the file: a missing file, a directory,
    no permission, not UTF-8, over `limits.MAX_CONFIG_BYTES`, a NUL byte (with its line)."""
    size = limits.file_too_big(path)
    if size is not None:
        raise YamlReadError(_("the {what} is {size} MiB; FindFace files are kilobytes and "
                              "ffwizard reads none over {limit} MiB: is it the right "
                              "file?").format(what=_(what), size=limits.mebibytes(size),
                                              limit=limits.MAX_CONFIG_BYTES // (1024 * 1024)),
                            where=str(path))
    try:
        # newline="": the text as it is on disk, CRLF included (edits write it back so, and
        # the file must still read the same when the plan is applied).
        with Path(path).open(encoding="utf-8", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise YamlReadError(_("the {what} is missing.").format(what=_(what)),
                            where=str(path)) from None
    except IsADirectoryError:
        raise YamlReadError(_("the {what} is a directory, not a file.").format(what=_(what)),
                            where=str(path)) from None
    except PermissionError:
        raise YamlReadError(_("the {what} cannot be read (permission denied); run as "
                              "root.").format(what=_(what)), where=str(path)) from None
    except UnicodeDecodeError:
        raise YamlReadError(_("the {what} is not UTF-8 text.").format(what=_(what)),
                            where=str(path)) from None
    except OSError as err:  # an I/O error, a name too long, ...
        raise YamlReadError(_("the {what} cannot be read ({error}).").format(
            what=_(what), error=err.strerror or err), where=str(path)) from None
    remember(text)
    line = limits.nul_line(text)
    if line is not None:
        raise YamlReadError(_("the {what} holds a NUL byte, so it is not a text file (a "
                              "truncated write or a binary copied over it?).").format(
            what=_(what)), where=f"{path}:{line}")
    return text


class _DuplicateKey(Exception):
    def __init__(self, key: object, first: int, second: int):
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


class _UniqueKeys(SafeConstructor):
    """Mixed into a loader: a mapping that has the same key twice raises _DuplicateKey."""

    def construct_mapping(self, node: yaml.MappingNode,
                          deep: bool = False) -> dict[Hashable, Any]:
        if isinstance(node, yaml.MappingNode):  # anything else: the constructor refuses it
            seen: dict[object, int] = {}
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    if key in seen:
                        raise _DuplicateKey(key, seen[key], line)
                    seen[key] = line
                except TypeError:  # an unhashable key: the constructor says so
                    continue
        return super().construct_mapping(node, deep)


_UNIQUE_LOADERS: dict[YamlLoader, YamlLoader] = {}


def unique_key_loader(base: YamlLoader) -> YamlLoader:
    """`base` (a PyYAML loader class) refusing a mapping that has the same key twice: PyYAML
    silently keeps the later one, and a duplicated key is a mistake in a config."""
    if base not in _UNIQUE_LOADERS:
        loader = type("UniqueKeyLoader", (_UniqueKeys, base), {})
        _UNIQUE_LOADERS[base] = cast("YamlLoader", loader)  # type() says only `type`
    return _UNIQUE_LOADERS[base]


def duplicate_key_error(what: str, where: str, key: object, first: int | None,
                        second: int) -> YamlReadError:
    """The one sentence for a key given twice: key and lines, never the values (they may be
    secrets)."""
    shown = str(key)
    shown = shown if len(shown) <= 60 else shown[:59] + "…"
    if first is None or first == second:
        message = _("the {what} has the key '{key}' twice on line {line}; keep one of "
                    "them.").format(what=_(what), key=shown, line=second)
    else:
        message = _("the {what} has the key '{key}' twice (lines {first} and {second}); keep "
                    "one of them.").format(what=_(what), key=shown, first=first, second=second)
    return YamlReadError(message, where=f"{where}:{second}")


def parse_yaml(text: str, *, where: str, what: str = FILE) -> object:
    """Parse with the fast loader; malformed YAML becomes a YamlReadError naming file and line.
    A key given twice in a mapping is refused too. Secrets are masked in the parser's words.
    Any YAML value: the caller checks the shape it expects."""
    try:
        document: object = yaml.load(text, Loader=unique_key_loader(fast_loader()))  # noqa: S506 - safe
        return document
    except _DuplicateKey as dup:
        raise duplicate_key_error(what, where, dup.key, dup.first, dup.second) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        # TRANSLATORS: why YAML could not be parsed, when the parser does not say.
        reason = redact(str(err.problem or err.context or _("malformed")), source=text)
        raise YamlReadError(_("the {what} is not valid YAML ({reason}).").format(
            what=_(what), reason=reason), where=f"{where}{line}") from None
    except yaml.YAMLError as err:
        raise YamlReadError(_("the {what} is not valid YAML ({reason}).").format(
            what=_(what), reason=redact(str(err).splitlines()[0], source=text)),
            where=where) from None


def read_yaml_file(path: Path, *, what: str = FILE) -> object:
    return parse_yaml(read_text(path, what=what), where=str(path), what=what)


# --- round trip -------------------------------------------------------------------------------

# A line that opens a block: `key:` (maybe after `- `) with nothing but a comment after it.
_BLOCK_KEY = re.compile(r"^( *)((?:- +)?)[^\s#{\[][^#]*?:\s*(?:#.*)?$")


def detect_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) as ruamel's `indent()` wants them, read from block structure.

    Looks at each `key:` line with nothing after it and the first content line below it. The
    vendor's style is (2, 2, 0): nested keys two spaces in, sequence dashes at the key's column.
    """
    mappings: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    parent: int | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "---":
            continue
        indent = len(line) - len(line.lstrip(" "))
        if parent is not None:
            step = indent - parent
            if stripped.startswith("-"):
                if step >= 0:
                    offsets[step] += 1
            elif step > 0:
                mappings[step] += 1
        match = _BLOCK_KEY.match(line)
        parent = indent + len(match.group(2)) if match else None
    mapping = mappings.most_common(1)[0][0] if mappings else 2
    offset = offsets.most_common(1)[0][0] if offsets else 0
    return mapping, offset + 2, offset


def round_trip_yaml(text: str) -> YAML:
    """A ruamel YAML instance set up to dump `text`'s document back unchanged."""
    from ruamel.yaml import YAML  # lazy: ruamel (slow to import) only to edit, never to read

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = WIDTH
    rt.brace_single_entry_mapping_in_flow_sequence = True  # `[{a: b}]` stays as written
    mapping, sequence, offset = detect_indent(text)
    rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    first = text.lstrip("\n").split("\n", 1)[0]
    rt.explicit_start = first.startswith("---")
    return rt


def rt_load(text: str, *, where: str) -> tuple[YAML, Any]:
    """(yaml instance, document) for editing; malformed YAML becomes a YamlReadError (secrets
    masked; a duplicated key named with its lines, never its values). The document is ruamel's
    (CommentedMap, CommentedSeq or a scalar), as dynamic as the file."""
    # lazy: ruamel (slow to import) only to edit
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    rt = round_trip_yaml(text)
    try:
        return rt, rt.load(text)
    except DuplicateKeyError as err:
        parse_yaml(text, where=where)  # names the key and both of its lines
        match = re.search(r'duplicate key "(.*?)" with value', str(err.problem))
        second = err.problem_mark.line + 1 if err.problem_mark is not None else 0
        raise duplicate_key_error(FILE, where, match.group(1) if match else "?", None,
                                  second) from None
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise YamlReadError(_("the file is not valid YAML ({reason}).").format(
            reason=redact(str(err.problem), source=text)), where=f"{where}{line}") from None
    except YAMLError as err:  # e.g. a character YAML does not allow
        raise YamlReadError(_("the file is not valid YAML ({reason}).").format(
            reason=redact(str(getattr(err, "problem", None) or err).splitlines()[0],
                          source=text)), where=where) from None


ScalarT = TypeVar("ScalarT", str, int)


def same_scalar_type(original: object, text: ScalarT) -> ScalarT:
    """`text` as the same kind of scalar as `original` (keeps its quoting style)."""
    # Only ruamel's documents hold its quoted strings: with ruamel not loaded (data from the C
    # loader), `original` is none of them and ruamel is not imported for nothing.
    scalarstring = sys.modules.get("ruamel.yaml.scalarstring")
    if scalarstring is not None and isinstance(original, scalarstring.ScalarString) \
            and isinstance(text, str):
        quoted: str = type(original)(text)  # ruamel types its str subclasses' __new__ loosely
        return quoted
    return text


def rt_dump(rt: YAML, document: object) -> str:
    buffer = io.StringIO()
    rt.dump(document, buffer)
    return buffer.getvalue()


def splice(original: str, baseline: str, edited: str) -> str:
    """Apply the changes baseline→edited to `original`, where `baseline` is the dump of the
    unchanged document.

    When ruamel reproduces the file exactly (baseline == original), that is `edited` itself.
    Otherwise (a construct ruamel re-formats, e.g. a flow mapping wrapped over two lines), only
    the edited lines are carried over and every untouched line stays as in the file. Raises
    ValueError when an edit falls inside a region ruamel re-formatted.
    """
    if baseline == original:
        return edited
    orig_lines = original.splitlines(keepends=True)
    base_lines = baseline.splitlines(keepends=True)
    edit_lines = edited.splitlines(keepends=True)
    to_orig: dict[int, int] = {}
    matcher = SequenceMatcher(None, base_lines, orig_lines, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            to_orig[block.a + offset] = block.b + offset
    edits: list[tuple[int, int, list[str]]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, base_lines, edit_lines,
                                               autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            if i1 not in to_orig or (i2 - 1) not in to_orig \
                    or to_orig[i2 - 1] - to_orig[i1] != i2 - i1 - 1:
                raise ValueError("edit inside a re-formatted region")
            start, end = to_orig[i1], to_orig[i2 - 1] + 1
        elif i1 - 1 in to_orig:
            start = end = to_orig[i1 - 1] + 1
        elif i1 in to_orig:
            start = end = to_orig[i1]
        else:
            raise ValueError("insertion inside a re-formatted region")
        edits.append((start, end, edit_lines[j1:j2]))
    result: list[str] = []
    position = 0
    for start, end, lines in edits:
        result += orig_lines[position:start] + lines
        position = end
    result += orig_lines[position:]
    return "".join(result)


class RoundTrip:
    """A document loaded for editing; `render()` gives the file's text with the edits so far,
    every untouched line byte for byte as in the file."""

    def __init__(self, text: str, *, where: str):
        self.original = text
        self.where = where
        self.yaml, self.document = rt_load(text, where=where)
        # The unchanged document as ruamel writes it, dumped before any edit (a dump costs far
        # less than the second load it would otherwise take to have it after the edits).
        self._baseline = rt_dump(self.yaml, self.document)

    @property
    def baseline(self) -> str:
        """The unchanged document as ruamel writes it: tells its re-formatting from the edits."""
        return self._baseline

    def dump(self) -> str:
        """ruamel's text of the document as edited (re-formatting included)."""
        return rt_dump(self.yaml, self.document)

    def render(self, edited: str | None = None) -> str:
        """The file's text with the edits, untouched lines as in the file where possible."""
        edited = self.dump() if edited is None else edited
        if edited == self.original:
            return edited
        try:
            return splice(self.original, self.baseline, edited)
        except ValueError:
            return edited  # the edit touches a re-formatted region: ruamel's text as is
