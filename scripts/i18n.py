#!/usr/bin/env python3
"""Keep the message catalogs in step with the code (needs Babel: `pip install -e '.[test]'`).

    scripts/i18n.py update [--merge more.po ...]   extract the messages, update ru.po, compile .mo
    scripts/i18n.py check                           list what the Russian catalog misses (exit 1)

`update` keeps every existing translation, takes missing ones from the `--merge` files, drops
messages the code no longer has, and compiles the `.mo` the program reads. It holds a lock so two
updates at once cannot lose each other's work.
"""

from __future__ import annotations

import argparse
import fcntl
import gettext
import io
import os
import re
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
VERSION = re.search(r'__version__ = "([^"]+)"', (ROOT / "ffwizard" / "__init__.py").read_text())[1]
PACKAGE = ROOT / "ffwizard"
LOCALE = PACKAGE / "locale"
TEMPLATE = LOCALE / "ffwizard.pot"
LANGUAGES = ("ru",)  # English is the language of the code itself
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "NP_": ((1, "c"), 2)}
METHOD_MAP = [("**.py", "python")]
RUSSIAN_PLURALS = ("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
                   "(n%100<10 || n%100>=20) ? 1 : 2);")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[!:][^{}]*)?\}|%\([a-z_]+\)[sdrf]|%[sdr]")


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "ffwizard.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def extract() -> Catalog:
    """Every message marked in the package's code, with the files it appears in."""
    template = Catalog(project="ffwizard", domain="ffwizard", fuzzy=False, msgid_bugs_address="",
                       version=VERSION,
                       header_comment="# Messages of ffwizard.")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), METHOD_MAP, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        template.add(message, None, [(f"ffwizard/{filename}", lineno)],
                     auto_comments=comments, context=context)
    return template


def read_catalog(path: Path, language: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language, domain="ffwizard", fuzzy=False)
    with path.open("rb") as stream:
        return read_po(stream, locale=language)


def key(message) -> tuple:
    return message.id, message.context


def is_translated(message) -> bool:
    if message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return bool(strings) and all(strings)


def placeholders(text: str) -> set[str]:
    """`{count}`, `{rate:.1f}` → `{count}`, `{rate}`; `%s`, `%(prog)s` as they are."""
    return {re.sub(r"[!:].*\}$", "}", p) if p.startswith("{") else p
            for p in PLACEHOLDER.findall(text)}


def problems(template: Catalog, catalog: Catalog) -> list[str]:
    """What makes the catalog incomplete or wrong for the code as it is now."""
    found = []
    wanted = {key(m) for m in template if m.id}
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id, context=message.context)
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        if translated is None or not is_translated(translated):
            found.append(f"missing: {message.id!r} ({where})")
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else [message.id]
        expected = set().union(*(placeholders(i) for i in ids))
        strings = translated.string if isinstance(translated.string, (tuple, list)) \
            else [translated.string]
        for string in strings:
            # A Russian plural form for "1" may spell the number out; every other must keep all.
            if placeholders(string) - expected:
                found.append(f"unknown placeholder in the translation of {message.id!r}: {string!r}")
            elif placeholders(string) != expected and not (len(strings) > 1 and string is strings[0]):
                found.append(f"placeholders differ in the translation of {message.id!r}: {string!r}")
    for message in catalog:
        if message.id and key(message) not in wanted:
            found.append(f"no longer in the code: {message.id!r}")
    return found


def compile_mo(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


# Header fields that say which compiler wrote the file, not what the program reads.
COMPILER_HEADERS = ("Generated-By",)


def _header_fields(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() not in COMPILER_HEADERS:
            fields[name.strip()] = value.strip()
    return fields


def expected_messages(catalog: Catalog) -> dict:
    """What gettext should read from the catalog compiled from `catalog`, keyed as
    GNUTranslations keys it: `msgid`, `context\x04msgid`, and `(msgid, n)` per plural form.
    Untranslated and fuzzy messages are left out (the program shows the English text)."""
    expected = {}
    for message in catalog:
        if not message.id or message.fuzzy or not is_translated(message):
            continue
        prefix = f"{message.context}\x04" if message.context else ""
        if isinstance(message.id, (tuple, list)):
            for form, string in enumerate(message.string):
                expected[(prefix + message.id[0], form)] = string
        else:
            expected[prefix + message.id] = message.string
    return expected


def mo_differences(mo: bytes, catalog: Catalog) -> list[str]:
    """How the compiled catalog `mo`, read as the program reads it, differs from `catalog`:
    every message, context and plural form, and the header (the plural rule, the charset),
    but not the compiler's own version line. [] when the .mo is the .po compiled."""
    try:
        translations = gettext.GNUTranslations(io.BytesIO(mo))
    except (OSError, UnicodeDecodeError) as exc:
        return [f"unreadable: {exc}"]
    found = []
    compiled = dict(translations._catalog)  # every entry of the file, as gettext looks them up
    header = compiled.pop("", "")
    wanted = _header_fields("\n".join(f"{k}: {v}" for k, v in catalog.mime_headers))
    if _header_fields(header) != wanted:
        found.append(f"header differs: {_header_fields(header)!r} != {wanted!r}")
    expected = expected_messages(catalog)
    for key in sorted(expected.keys() | compiled.keys(), key=repr):
        if key not in compiled:
            found.append(f"missing from the .mo: {key!r}")
        elif key not in expected:
            found.append(f"not in the .po: {key!r}")
        elif compiled[key] != expected[key]:
            found.append(f"differs: {key!r}: {compiled[key]!r} != {expected[key]!r}")
    return found


def po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, omit_header=False,
             sort_by_file=False)
    return buffer.getvalue()


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def updated(template: Catalog, language: str, merge: list[Path]) -> Catalog:
    old = read_catalog(po_path(language), language)
    extra = [read_catalog(path, language) for path in merge]
    catalog = Catalog(locale=language, domain="ffwizard", project="ffwizard", fuzzy=False,
                      msgid_bugs_address="", version=VERSION,
                      header_comment="# Russian messages of ffwizard.")
    for message in template:
        if not message.id:
            continue
        string = None
        for source in (*extra, old):
            found = source.get(message.id, context=message.context)
            if found is not None and is_translated(found):
                string = found.string
                break
        catalog.add(message.id, string if string is not None else
                    (("",) * catalog.num_plurals if isinstance(message.id, (tuple, list)) else ""),
                    message.locations, auto_comments=message.auto_comments,
                    context=message.context)
    # Fixed header values: the files change only when the messages do.
    if po_path(language).exists():
        catalog.creation_date = old.creation_date
    catalog.revision_date = catalog.creation_date
    catalog.language_team = "ffwizard"
    catalog.last_translator = "ffwizard"
    return catalog


def cmd_update(merge: list[Path]) -> int:
    LOCALE.mkdir(parents=True, exist_ok=True)
    with (LOCALE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        template = extract()
        if TEMPLATE.exists():
            template.creation_date = read_catalog(TEMPLATE, "en").creation_date
        template.revision_date = template.creation_date
        atomic_write(TEMPLATE, po_bytes(template))
        status = 0
        for language in LANGUAGES:
            catalog = updated(template, language, merge)
            atomic_write(po_path(language), po_bytes(catalog))
            atomic_write(mo_path(language), compile_mo(read_catalog(po_path(language), language)))
            missing = problems(template, catalog)
            print(f"{language}: {len(template)} messages, {len(missing)} problems")
            for line in missing[:40]:
                print("  " + line)
            status = status or (1 if missing else 0)
    return status


def cmd_check() -> int:
    template = extract()
    status = 0
    for language in LANGUAGES:
        catalog = read_catalog(po_path(language), language)
        found = problems(template, catalog)
        if mo_differences(mo_path(language).read_bytes(), catalog):
            found.append(f"{mo_path(language).relative_to(ROOT)} is not compiled from the .po: "
                         "run scripts/i18n.py update")
        for line in found:
            print(f"{language}: {line}")
        status = status or (1 if found else 0)
    if not status:
        print(f"catalogs complete: {len(template)} messages")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    update = sub.add_parser("update")
    update.add_argument("--merge", type=Path, action="append", default=[])
    sub.add_parser("check")
    args = parser.parse_args(argv)
    if args.command == "update":
        return cmd_update(args.merge)
    return cmd_check()


if __name__ == "__main__":
    sys.exit(main())
