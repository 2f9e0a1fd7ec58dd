"""s3 credentials never reach an output: masked in diffs, in messages, in the journal.

Two ways in, both needed:

- `mask_secrets(text)`: YAML text (a diff, a file) with the values of the credential keys
  replaced by a mask, in block and flow style alike.
- `redact(text)`: any text (a message, a parser's complaint, a JSON document, a journal line)
  with every credential value ffwizard has seen in a file replaced by the mask. Every file read
  through `yamlio.read_text` registers its credential values (`remember`), even when the file
  then fails to parse, so a parser message that quotes one is caught too.

Values shorter than MIN_SECRET_LENGTH are not hunted in free text (masking "x" everywhere would
garble every message); in YAML text they are masked by key as any other value.
"""

from __future__ import annotations

import re

SECRET_KEYS = ("access-key", "secret-access-key", "access_key", "secret_key")

# Values of these keys are masked in YAML text, in block and flow style alike.
SECRET_VALUE = re.compile(
    r"""(?P<key>['"]?(?:access-key|secret-access-key|access_key|secret_key)['"]?\s*:[ \t]*)"""
    r"""(?P<value>'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^,}\]\s#][^,}\]#\n]*)""")
MASK = "'***'"
TEXT_MASK = "***"
MIN_SECRET_LENGTH = 4

# A parser quoting the values of a duplicated key: `with value "…" (original value: "…")`.
QUOTED_VALUES = re.compile(r"""\s*with value ".*?" \(original value: ".*?"\)""", re.DOTALL)

_known: set[str] = set()


def mask_secrets(text: str) -> str:
    """Replace the non-empty values of s3 credentials in YAML text by a mask."""

    def masked(match: re.Match) -> str:
        raw = match.group("value")
        value = raw.rstrip()
        if value in ("''", '""', ""):
            return match.group(0)
        return match.group("key") + MASK + raw[len(value):]

    return SECRET_VALUE.sub(masked, text)


def secret_values(text: str) -> set[str]:
    """The credential values written in YAML text (unquoted), whatever else is wrong with it."""
    found = set()
    for match in SECRET_VALUE.finditer(text):
        value = match.group("value").strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1].replace("''", "'")
        elif len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if value:
            found.add(value)
    return found


def remember(text: str) -> None:
    """Register the credential values of a file's text, for `redact`."""
    if "key" in text:  # cheap: most files hold no credential at all
        _known.update(v for v in secret_values(text) if len(v) >= MIN_SECRET_LENGTH)


def redact(text: str, *, source: str | None = None) -> str:
    """`text` with every known credential value (and those in `source`, a file's text) masked,
    and the values a YAML parser quotes for a duplicated key left out."""
    if not text:
        return text
    known = set(_known)
    if source:
        known.update(v for v in secret_values(source) if len(v) >= MIN_SECRET_LENGTH)
    text = QUOTED_VALUES.sub("", text)
    for value in sorted(known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, TEXT_MASK)
    return text


def forget() -> None:
    """Drop the registered values (tests)."""
    _known.clear()
