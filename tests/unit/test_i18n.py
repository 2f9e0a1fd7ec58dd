"""Choosing the language: the locale as gettext reads it, the catalog as a package resource."""

from __future__ import annotations

import pytest

from ffwizard import i18n


@pytest.mark.parametrize("environ, expected", [
    ({}, "en"),
    ({"LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LANG": "ru_RU.UTF-8", "LC_ALL": "C"}, "en"),
    ({"LANG": "C.UTF-8", "LC_ALL": "ru_RU.UTF-8"}, "ru"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "ru_RU.KOI8-R"}, "ru"),
    ({"LANG": "POSIX"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({"LANGUAGE": "uk:ru:en", "LANG": "uk_UA.UTF-8"}, "ru"),
    ({"LANGUAGE": "de", "LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LANG": "ru"}, "ru"),
])
def test_language_from_environment(environ, expected):
    assert i18n.language_from_environment(environ) == expected


@pytest.mark.parametrize("value, expected", [("ru", "ru"), ("RU", "ru"), ("ru_RU.UTF-8", "ru"),
                                             ("en", "en"), (" en_GB ", "en")])
def test_normalize_language(value, expected):
    assert i18n.normalize_language(value) == expected


@pytest.mark.parametrize("value", ["de", "", "russian"])
def test_unknown_language_is_refused(value):
    with pytest.raises(i18n.UnknownLanguage):
        i18n.normalize_language(value)


def test_switching_changes_messages_looked_up_afterwards():
    message = i18n.N_("show this help message and exit")
    assert i18n._(message) == message
    i18n.set_language("ru")
    russian = i18n._(message)
    assert russian != message and any("а" <= ch <= "я" for ch in russian)
    i18n.set_language("en")
    assert i18n._(message) == message
    assert i18n.translate_in("ru", message) == russian


def test_russian_plural_forms():
    i18n.set_language("ru")
    catalog = i18n._catalog("ru")
    # Three forms: 1 and 21 share one, 2–4 and 22 another, 5–20 and 0 the third.
    forms = [catalog.plural(n) for n in (1, 21, 2, 4, 22, 5, 11, 12, 20, 0, 111)]
    assert forms == [0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2]


def test_argparse_speaks_the_chosen_language(capsys):
    import argparse

    i18n.set_language("ru")
    parser = argparse.ArgumentParser(prog="x")
    parser.print_help()
    out = capsys.readouterr().out
    assert "usage:" not in out and "show this help message" not in out


@pytest.mark.parametrize("language", ["en", "ru"])
def test_short_step_titles_fit_the_step_list_and_differ(language):
    from ffwizard.core.plan import SHORT_TITLE_WIDTH, step_short_title, step_title
    from ffwizard.core.steps import STEPS

    STEP_IDS = [kind.id for kind in STEPS]

    i18n.set_language(language)
    short = [step_short_title({"id": step_id}) for step_id in STEP_IDS]
    assert all(len(title) <= SHORT_TITLE_WIDTH for title in short), short
    assert not any(title.endswith("…") for title in short)  # written short, not cut
    assert len(set(short)) == len(STEP_IDS)
    if language == "ru":
        assert step_short_title({"id": "verify_copy"}) == "Проверка копии"
        assert step_title({"id": "verify_copy"}) == "Проверить копию"  # the context tells apart
