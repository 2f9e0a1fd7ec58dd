"""The wizard in Russian: the switch on the first step, and every step up to the review spoken
in Russian from the start, validation messages included."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input, Select
from tui_helpers import screen_name, screen_text, wait_for, widget_text

from ffwizard.i18n import current_language, set_language
from ffwizard.ui.app import create_app
from ffwizard.ui.screens.models import OTHER

pytestmark = pytest.mark.asyncio


def footer_words(app) -> list[str]:
    return [key.description for key in app.screen.query("FooterKey")]


def nav_labels(app) -> list[str]:
    return [str(button.label) for button in app.screen.query("#nav Button")]


async def test_the_switch_on_welcome_turns_screen_and_footer_russian_and_back(sim_sandbox):
    demo = sim_sandbox
    app = create_app(demo.root, "sim", runtime=demo.runtime)  # not the demo: the root is typed
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "Migrate feature vectors to a new model" in screen_text(app))
        assert "Language / Язык:" in screen_text(app)
        assert {"Next", "Quit", "Help", "Language"} <= set(footer_words(app))
        assert app.focused.id == "next"  # the switch stays out of the default path
        typed = app.screen.query_one("#root", Input)
        typed.value = str(demo.root) + "/"

        # By keyboard: Tab reaches the Russian button, Enter presses it.
        for _ in range(6):
            if app.focused.id == "language-ru":
                break
            await pilot.press("tab")
        assert app.focused.id == "language-ru"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Миграция векторов признаков" in screen_text(app))
        assert current_language() == "ru"
        text = screen_text(app)
        assert "1.Начало › Установка › Модели › Шарды" in text
        assert "сначала обновите FindFace Multi" in text
        assert "Каталог установки" in text
        assert "Migrate" not in text and "Next" not in text
        assert nav_labels(app) == ["Далее"]
        assert {"Далее", "Выйти", "Справка", "Язык"} <= set(footer_words(app))
        assert "Назад" not in footer_words(app)  # the first step: nowhere to go back to
        assert app.screen.query_one("#root", Input).value == str(demo.root) + "/"  # kept
        assert app.focused.id == "language-ru"
        assert app.screen.query_one("#language-ru", Button).has_class("-current")

        # The help of the step is Russian too.
        await pilot.press("f1")
        await wait_for(pilot, lambda: screen_name(app) == "HelpScreen")
        assert widget_text(app, ".dialog-title") == "Начало"
        assert "каталог установки" in widget_text(app, "#help-text")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "WelcomeScreen")

        # F2 goes back to English.
        await pilot.press("f2")
        await wait_for(pilot, lambda: "Migrate feature vectors" in screen_text(app))
        assert current_language() == "en"
        assert "Миграция" not in screen_text(app)
        assert nav_labels(app) == ["Next"]
        assert {"Next", "Quit", "Help", "Language"} <= set(footer_words(app))
        assert app.screen.query_one("#language-en", Button).has_class("-current")

        # Once past the first step the language stays: no switch, no F2 in the footer.
        await pilot.press("f2", "ctrl+n")
        await wait_for(pilot, lambda: screen_name(app) == "InstallationScreen", timeout=120)
        assert current_language() == "ru"
        assert "Что найдено" in screen_text(app)
        assert "Язык" not in footer_words(app)
        await pilot.press("f2")
        await pilot.pause(0.1)
        assert current_language() == "ru" and screen_name(app) == "InstallationScreen"


async def next_step(pilot, app, name: str) -> None:
    await pilot.press("ctrl+n")
    await app.workers.wait_for_complete()
    await wait_for(pilot, lambda: screen_name(app) == name, timeout=120)
    # Composed: Back first and Next last (Review puts "Save answers…" between them).
    await wait_for(pilot, lambda: len(nav_labels(app)) >= 2)
    await pilot.pause()


def assert_russian_step(app, title: str, header: str) -> None:
    text = screen_text(app)
    assert title in text, text
    assert header in text.splitlines()[0], text
    assert nav_labels(app) == ["Назад", "Далее"]
    assert {"Назад", "Далее", "Выйти", "Справка"} <= set(footer_words(app))
    for english in ("Next", "Back", "Quit", "Help"):
        assert english not in text, (english, text)


async def test_every_step_in_russian_from_the_start_to_the_review(sim_sandbox):
    demo = sim_sandbox
    set_language("ru")
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: "Миграция векторов признаков на новую модель" in screen_text(app))
        text = screen_text(app)
        assert "ДЕМО" in text.splitlines()[0]
        assert "Установка: демо, симулированная" in text
        assert app.screen.query_one("#language-ru", Button).has_class("-current")

        # Quitting asks in Russian; the safe answer comes first.
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        assert widget_text(app, ".dialog-title") == "Выйти из ffwizard?"
        assert "ничего не изменено" in widget_text(app, "#dialog-text")
        assert [str(b.label) for b in app.screen.query(Button)] == ["Остаться", "Выйти"]
        assert app.screen._bindings.key_to_bindings["escape"][0].description == "Отмена"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "WelcomeScreen")

        await next_step(pilot, app, "InstallationScreen")
        assert_russian_step(app, "Что найдено", "2.Установка")
        text = screen_text(app)
        assert "Шарды: 4 — все три источника согласуются" in text
        assert "Нормализованные" in text and "Кластеризация" in text and "Сервисы" in text
        shards = widget_text(app, "#shards")
        assert "шард" in shards and "сервис compose" in shards and "да" in shards
        assert "работает" in widget_text(app, "#services")

        await next_step(pilot, app, "ModelsScreen")
        assert_russian_step(app, "Новые модели", "3.Модели")
        assert [str(app.screen.query_one(f"#use-{kind}").label) for kind in
                ("face", "body", "car")] == ["лица", "силуэты", "автомобили"]
        assert "новая модель" in screen_text(app)
        # A model the extraction service lacks: refused, its problem under its own type.
        proposal = app.screen.query_one("#model-body", Select).value
        app.screen.query_one("#model-body", Select).value = OTHER
        await wait_for(pilot, lambda: app.focused.id == "other-body")
        await pilot.press(*"pedrec/pear_9.gpu.fnk")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: widget_text(app, "#message")
                       == "Исправьте выбор моделей, отмеченный красным.")
        assert screen_name(app) == "ModelsScreen"
        assert "pear_9" in widget_text(app, "#problem-body")
        assert widget_text(app, "#problem-face") == widget_text(app, "#problem-car") == ""
        app.screen.query_one("#model-body", Select).value = proposal
        await wait_for(pilot, lambda: widget_text(app, "#problem-body") == "")

        await next_step(pilot, app, "ShardsScreen")
        assert_russian_step(app, "Новые шарды (4, столько же, сколько старых)", "4.Шарды")
        assert "HTTP-порт" in screen_text(app)
        # A port in use and a name given twice: each flagged in its own cell, said in Russian.
        old_port = str(app.state.installation.shards[0].http_port)
        app.screen.query_one("#http-1", Input).value = old_port
        app.screen.query_one("#name-2", Input).value = "shard-011"
        await wait_for(pilot, lambda: widget_text(app, "#message") == "Проблем: 2 — см. под таблицей.")
        invalid = {field.id for field in app.screen.query(Input) if field.has_class("-invalid-value")}
        assert invalid == {"http-1", "name-2"}
        app.screen.query_one("#tnt-3", Input).value = "0"
        await wait_for(pilot, lambda: "строка 4: порт Tarantool должен быть числом от 1 до 65535."
                       in widget_text(app, "#shard-problems"))
        for cell, value in (("http-1", "5621"), ("name-2", "shard-013"), ("tnt-3", "61113")):
            app.screen.query_one(f"#{cell}", Input).value = value
        await wait_for(pilot, lambda: widget_text(app, "#message") == "")

        await next_step(pilot, app, "SettingsScreen")
        assert_russian_step(app, "Настройки", "5.Настройки")
        assert "свободное место:" in widget_text(app, "#free-space")
        assert "перекластеризовать события после переключения" in screen_text(app)
        app.screen.query_one("#workers_num", Input).value = "0"
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: widget_text(app, "#message")
                       == "Исправьте значения, отмеченные красным.")
        assert screen_name(app) == "SettingsScreen"
        assert "обработчики: нужно целое число не меньше 1." in widget_text(
            app, "#settings-problems")
        app.screen.query_one("#workers_num", Input).value = "2"

        await next_step(pilot, app, "ReviewScreen")
        assert "6.Обзор" in screen_text(app).splitlines()[0]
        assert nav_labels(app) == ["Назад", "Сохранить ответы…", "Применить…"]
        await wait_for(pilot, lambda: app.state.plan is not None)
        assert app.state.plan.answers.workers_num == 2
