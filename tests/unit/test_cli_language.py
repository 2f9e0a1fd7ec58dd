"""The command line's language: `--lang` anywhere, else the locale; help, argparse's own words,
the plan and the refusals all in that one language; machine-readable output never translated."""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from install_fixtures import INSTALLS

from ffwizard.cli import COMMAND_MODULES, main
from ffwizard.commands.runcommon import is_yes
from ffwizard.demo.shapes import shape_names
from ffwizard.i18n import (
    ARGPARSE_MESSAGES,
    language_from_environment,
    set_language,
    translate_in,
)

# What plan says for a fixture installation, on a host where its ports are free.
pytestmark = pytest.mark.usefixtures("host_ports_free")

FFWIZARD = shutil.which("ffwizard", path=str(Path(sys.executable).parent))
ENTRY = [FFWIZARD] if FFWIZARD else [sys.executable, "-m", "ffwizard"]

# Words that stay Latin in Russian help: commands, option names and values, product and file
# names, YAML keys.
LATIN_KEPT = {
    "ffwizard", "wizard", "demo", "plan", "apply", "status", "attach", "resume", "rollback",
    "serve", "help", "version", "lang", "root", "answers", "runtime", "docker", "available",
    "models", "json", "sandbox", "shards", "objects", "device", "types", "prepare", "only",
    "stop", "interval", "migration", "rerun", "host", "port", "public", "findface", "multi",
    "face", "body", "yaml", "object_types", "new_shards", "backup_dir", "migrate_clusters",
    "extraction", "user", "http", "opt", "diff", "ctrl",
} | {word for name in shape_names() for word in name.split("-")}  # `demo --shape` values


def ffwizard(*args: str, env: dict[str, str] | None = None, **locale: str):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    environ.update(locale)
    environ["COLUMNS"] = "100"
    return subprocess.run([*ENTRY, *args], capture_output=True, text=True, timeout=60,
                          env={**environ, **(env or {})}, check=False)


def english_words(text: str) -> set[str]:
    """Latin words of four letters or more that are not names kept in Latin."""
    text = re.sub(r"--[a-z-]+|/[\w/.-]+|\{[^}]*\}|\S+\.(?:fnk|yaml|ini)", " ", text)
    return {w for w in re.findall(r"[A-Za-z_]{4,}", text) if w.lower() not in LATIN_KEPT
            and not w.isupper()}


def test_lang_ru_help_is_russian_through_and_through():
    done = ffwizard("--lang", "ru", "--help")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("использование: ffwizard ")
    assert "\nпараметры:\n" in out and "\nкоманды:\n" in out
    assert "показать эту справку и выйти" in out
    assert "показать версию программы и выйти" in out
    for english in ("usage:", "options:", "show this help message", "open the wizard",
                    "Migrate the feature vectors", "COMMAND"):
        assert english not in out
    assert english_words(out) == set()


@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_every_command_help_is_russian_in_a_russian_locale(command):
    done = ffwizard(command, "--help", LANG="ru_RU.UTF-8")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"использование: ffwizard {command} ")
    assert english_words(done.stdout) == set(), done.stdout


def test_plan_help_in_a_russian_locale():
    out = ffwizard("plan", "--help", LANG="ru_RU.UTF-8").stdout
    assert "--root КАТАЛОГ" in out and "--answers ФАЙЛ" in out
    assert "каталог установки (по умолчанию /opt/findface-multi)" in out
    for english in ("install root", "YAML answers file", "print one JSON object",
                    "Detect the installation"):
        assert english not in out


def test_the_c_locale_is_english_whatever_else_is_set():
    done = ffwizard("plan", "--help", LC_ALL="C", LANG="ru_RU.UTF-8", LANGUAGE="ru")
    assert done.stdout.startswith("usage: ffwizard plan ")
    assert "install root (default: /opt/findface-multi)" in done.stdout
    assert ffwizard("--help", LANG="C.UTF-8").stdout.startswith("usage: ffwizard ")
    assert ffwizard("--help").stdout.startswith("usage: ffwizard ")  # no locale at all


def test_lang_beats_the_locale_before_or_after_the_command():
    after = ffwizard("plan", "--lang", "ru", "--help", LANG="en_US.UTF-8")
    assert after.stdout.startswith("использование: ffwizard plan ")
    before = ffwizard("--lang", "en", "plan", "--help", LANG="ru_RU.UTF-8")
    assert before.stdout.startswith("usage: ffwizard plan ")
    equals = ffwizard("status", "--help", "--lang=ru")
    assert equals.stdout.startswith("использование: ffwizard status ")


@pytest.mark.parametrize("locale,sentence", [
    ({"LANG": "C.UTF-8"}, "ffwizard: there is no language 'de': choose en or ru.\n"),
    ({"LANG": "ru_RU.UTF-8"}, "ffwizard: языка 'de' нет: выберите en или ru.\n"),
])
def test_an_unknown_language_is_one_sentence_and_exit_2(locale, sentence):
    done = ffwizard("plan", "--lang", "de", **locale)
    assert done.returncode == 2
    assert done.stderr == sentence
    assert done.stdout == ""


def test_lang_without_a_value_is_argparse_error_in_the_locale_language():
    done = ffwizard("--lang", LANG="ru_RU.UTF-8")
    assert done.returncode == 2
    assert "ffwizard: ошибка: аргумент --lang: ожидается одно значение" in done.stderr
    assert "Traceback" not in done.stderr


def test_argparse_errors_in_russian():
    done = ffwizard("--lang", "ru", "serve", "--port", "0")
    assert done.returncode == 2
    assert done.stderr.startswith("использование: ffwizard serve ")
    assert ("ffwizard serve: ошибка: аргумент --port: номер порта должен быть от 1 до 65535, "
            "а не 0") in done.stderr
    unknown = ffwizard("--lang", "ru", "launch")
    assert "ошибка: аргумент КОМАНДА: недопустимое значение: 'launch'" in unknown.stderr
    missing = ffwizard("--lang", "ru", "apply")
    assert "не хватает обязательных аргументов: --answers" in missing.stderr


def test_a_refusal_in_russian(capsys, tmp_path):
    status = main(["serve", "--sandbox", str(tmp_path), "--lang", "ru"])
    assert status == 2
    assert capsys.readouterr().err == "ffwizard: --sandbox указывается только вместе с --demo.\n"


def test_plan_headings_in_russian(capsys):
    status = main(["plan", "--root", str(INSTALLS / "cpu4_block"), "--lang", "ru", "--no-shard-counts"])
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("Установка FindFace Multi в ")
    assert "\nМиграция\n" in out
    assert "\nПлан: 11 шагов (пути указаны относительно каталога установки; " in out
    assert "точка невозврата: дальше откат уже невозможен" in out
    assert "(можно откатить)" in out and "(нельзя откатить)" in out
    assert "  проблемы         1 предупреждение (перечислены в конце)" in out
    assert "\nПроблемы\n  предупреждение: " in out
    # Today's model kept: the verdict says no new model is chosen (and how to choose one).
    assert "Новая модель не выбрана: план лишь заново извлечёт каждый объект" in out
    for english in ("Migration\n", "Plan: ", "point of no return", "can be undone", "backup to"):
        assert english not in out


def test_plan_label_column_fits_the_longest_russian_label(capsys):
    main(["plan", "--root", str(INSTALLS / "cpu4_block"), "--lang", "ru"])
    lines = capsys.readouterr().out.split("\n\n")[0].splitlines()[1:]  # the installation facts
    columns = {len(line) - len(line[2:].split("  ", 1)[1].lstrip()) for line in lines}
    assert len(columns) == 1  # every value starts in one column


def test_blocked_plan_counts_errors_in_russian(capsys):
    status = main(["plan", "--root", str(INSTALLS / "disagree"), "--lang", "ru"])
    assert status == 2
    assert capsys.readouterr().out.endswith(
        "План не может быть выполнен, пока не исправлены 3 ошибки выше.\n")


def json_keys(value, path="") -> set[str]:
    if isinstance(value, dict):
        keys = set()
        for key, item in value.items():
            # Paths (the diffs' file names) are keys too; they name files, not words.
            shown = "<path>" if key.startswith("/") else key
            keys |= {f"{path}/{shown}"} | json_keys(item, f"{path}/{shown}")
        return keys
    if isinstance(value, list):
        return set().union(*(json_keys(item, f"{path}[]") for item in value)) if value else set()
    return set()


def test_plan_json_keys_stay_english(capsys):
    root = str(INSTALLS / "gpu8")
    assert main(["plan", "--root", root, "--json", "--lang", "en"]) == 0
    english = json.loads(capsys.readouterr().out)
    assert main(["plan", "--root", root, "--json", "--lang", "ru"]) == 0
    russian = json.loads(capsys.readouterr().out)
    assert json_keys(russian) == json_keys(english)
    assert all(re.fullmatch(r"[a-z0-9_/\[\]<>-]+", key) for key in json_keys(russian))
    assert [s["id"] for s in russian["steps"]] == [s["id"] for s in english["steps"]]
    assert {p["severity"] for p in russian["problems"]} == {"warning"}  # codes, not words


@pytest.mark.parametrize("language,answer,confirms", [
    ("en", "yes", True), ("en", "Y", True), ("en", " yes \n", True), ("en", "да", False),
    ("en", "no", False), ("en", "", False),
    ("ru", "да", True), ("ru", "Да", True), ("ru", "д", True), ("ru", "yes", True),
    ("ru", "y", True), ("ru", "нет", False), ("ru", "дай", False),
])
def test_the_point_of_no_return_accepts_yes_in_the_users_language(language, answer, confirms):
    set_language(language)
    assert is_yes(answer) is confirms


@pytest.mark.parametrize("environ,language", [
    ({}, "en"),
    ({"LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "POSIX"}, "en"),
    ({"LC_ALL": "C.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),
    ({"LC_MESSAGES": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),
    ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "ru_RU.UTF-8"}, "en"),
    ({"LANGUAGE": "uk:ru:en", "LANG": "en_US.UTF-8"}, "ru"),
    ({"LANGUAGE": "en:ru", "LANG": "ru_RU.UTF-8"}, "en"),
    ({"LANGUAGE": "de", "LANG": "ru_RU.UTF-8"}, "ru"),  # no German: the locale decides
    ({"LANGUAGE": "ru", "LC_ALL": "C"}, "en"),  # gettext ignores LANGUAGE in the C locale
    ({"LANGUAGE": "ru"}, "en"),  # ...and with no locale at all
    ({"LANG": "ru_UA.KOI8-U@euro"}, "ru"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
])
def test_the_locale_is_read_as_gettext_reads_it(environ, language):
    assert language_from_environment(environ) == language


# argparse's messages that only a programmer's mistake in building the parser can show, or
# that belong to features ffwizard does not use (FileType).
ARGPARSE_PROGRAMMER_MESSAGES = {
    ".__call__() not defined", "conflicting subparser: %s", "conflicting subparser alias: %s",
    "argument \"-\" with mode %r", "can't open '%(filename)s': %(error)s",
    "cannot merge actions - two groups are named %r",
    "'required' is an invalid argument for positionals",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r",
    "dest= is required for options like %r", "invalid conflict_resolution value: %r",
    "conflicting option string: %s", "conflicting option strings: %s",
    "mutually exclusive arguments must be optional", "cannot have multiple subparser arguments",
    "%r is not callable",
}
# Marked with ngettext in ffwizard.i18n, beside ARGPARSE_MESSAGES.
ARGPARSE_PLURALS = {"expected %s argument", "expected %s arguments"}


def argparse_messages() -> set[str]:
    source = Path(argparse.__file__).read_text(encoding="utf-8")
    found = set()
    for call in (n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)):
        if getattr(call.func, "id", None) in ("_", "ngettext"):
            found |= {a.value for a in call.args
                      if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def test_every_argparse_message_of_this_python_is_translated():
    missing = (argparse_messages() - set(ARGPARSE_MESSAGES) - ARGPARSE_PROGRAMMER_MESSAGES
               - ARGPARSE_PLURALS)
    assert missing == set(), "add to ffwizard.i18n.ARGPARSE_MESSAGES"
    for message in ARGPARSE_MESSAGES:
        if message not in ("%(heading)s:",):
            assert translate_in("ru", message) != message, message
    set_language("ru")
    from ffwizard.i18n import ngettext

    assert ngettext("expected %s argument", "expected %s arguments", 3) % 3 == \
        "ожидается 3 значения"
