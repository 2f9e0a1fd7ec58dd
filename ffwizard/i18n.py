"""The user's language: English (the messages in the code) or Russian (a gettext catalog).

    from ffwizard.i18n import _, N_, ngettext

    _("Check the copy")                            # translated now, in the current language
    TITLE = N_("Check the copy")  ... _(TITLE)      # marked at import, translated when shown
    ngettext("{n} shard", "{n} shards", n).format(n=n)
    pgettext("service state", "running")          # one English word, two Russian ones

Messages are looked up when they are shown, not when a module is imported, so switching the
language (the welcome screen does) changes every screen built afterwards. Placeholders are named
(`{count}`) so a translation may reorder them.

The catalogs live in `ffwizard/locale/<lang>/LC_MESSAGES/ffwizard.mo`, compiled from the `.po`
beside them by `scripts/i18n.py`; they are read as package resources so the zip bundle works.
"""

from __future__ import annotations

import argparse
import gettext
import os
from collections.abc import Mapping

DOMAIN = "ffwizard"
LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"
# The order in which gettext itself reads the environment.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_current = DEFAULT_LANGUAGE
_catalogs: dict[str, gettext.NullTranslations] = {}


class UnknownLanguage(ValueError):
    pass


def _catalog(language: str) -> gettext.NullTranslations:
    catalog = _catalogs.get(language)
    if catalog is None:
        catalog = _load(language)
        _catalogs[language] = catalog
    return catalog


def _load(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    from importlib.resources import files  # lazy: English, the default, needs no catalog

    resource = files("ffwizard").joinpath("locale", language, "LC_MESSAGES", f"{DOMAIN}.mo")
    try:
        with resource.open("rb") as stream:
            return gettext.GNUTranslations(stream)
    except FileNotFoundError:
        return gettext.NullTranslations()


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """`ru` when the locale asks for Russian, else English, read as GNU gettext reads it: the
    locale is the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set; `C`/`POSIX` (or none)
    means English, and then `LANGUAGE` is ignored. Otherwise `LANGUAGE` may list several
    (`uk:ru:en`): the first we speak wins; if it names none, the locale's language decides."""
    environ = os.environ if environ is None else environ
    locale = next((environ.get(v, "").strip() for v in LOCALE_VARIABLES[1:]
                   if environ.get(v, "").strip()), "")
    if _language_code(locale) in ("", "c", "posix"):
        return DEFAULT_LANGUAGE
    for item in environ.get("LANGUAGE", "").split(":"):
        if _language_code(item) in LANGUAGES:
            return _language_code(item)
    code = _language_code(locale)
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def _language_code(value: str) -> str:
    """`ru_RU.UTF-8@euro` → `ru`; `C.UTF-8` → `c`."""
    return value.strip().split(".")[0].split("@")[0].split("_")[0].lower()


def normalize_language(value: str) -> str:
    """`ru`, `RU`, `ru_RU.UTF-8` → `ru`; a language we do not speak raises UnknownLanguage."""
    code = _language_code(value)
    if code not in LANGUAGES:
        raise UnknownLanguage(value)
    return code


def set_language(language: str) -> str:
    """Use `language` (anything `normalize_language` accepts) from now on; returns its code."""
    global _current
    _current = normalize_language(language)
    _install_into_argparse()
    return _current


def current_language() -> str:
    return _current


def _(message: str) -> str:
    return _catalog(_current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalog(_current).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A message whose translation depends on where it stands (`pgettext("service state", "running")`)."""
    return _catalog(_current).pgettext(context, message)


def NP_(context: str, message: str) -> tuple[str, str]:
    """Marks a message with its context for later: show it with `pgettext(*marked)`."""
    return context, message


def N_(message: str) -> str:
    """Marks a message for the catalog without translating it (yet)."""
    return message


def format_count(number: int) -> str:
    """1,234,567 in English; 1 234 567 (no-break spaces) in Russian, where a comma is the
    decimal mark."""
    text = f"{number:,}"
    return text.replace(",", "\u00a0") if current_language() == "ru" else text


def format_decimal(value: float, digits: int = 1) -> str:
    """1,769.9 in English; 1 769,9 in Russian."""
    text = f"{value:,.{digits}f}"
    if current_language() == "ru":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def translate_in(language: str, message: str) -> str:
    """`message` in a given language, whatever the current one (tests compare the two)."""
    return _catalog(normalize_language(language)).gettext(message)


# argparse translates its own words ("usage: ", "options") through the module-level gettext
# functions it imported; pointing those at our catalog keeps `--help` in one language. These are
# its messages a user of ffwizard can meet, as Python 3.11 and later spell them: 3.10 renamed
# "optional arguments" to "options"; later versions also translate the --version help (cli.py
# passes its own for 3.11), the section headings ("%(heading)s:"), the "maybe you meant"
# suggestion and the deprecation warnings. tests/unit/test_cli_language.py checks the list
# against the running Python's argparse.
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("options"), N_("optional arguments"), N_("positional arguments"),
    N_("subcommands"), N_("%(heading)s:"),
    N_("show this help message and exit"), N_("show program's version number and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("one of the arguments %s is required"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("expected one argument"), N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("%(prog)s: error: %(message)s\n"), N_("%(prog)s: warning: %(message)s\n"),
    N_("invalid %(type)s value: %(value)r"), N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"), N_("unexpected option string: %s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_(" (default: %(default)s)"),
    N_("option '%(option)s' is deprecated"), N_("command '%(parser_name)s' is deprecated"),
    N_("argument '%(argument_name)s' is deprecated"),
)


def _argparse_plurals() -> None:  # never called: marks argparse's plural message for the catalog
    ngettext("expected %s argument", "expected %s arguments", 0)


def _install_into_argparse() -> None:
    argparse._ = _  # type: ignore[attr-defined]  # argparse looks up its module-level _
    argparse.ngettext = ngettext  # type: ignore[attr-defined]  # and ngettext
