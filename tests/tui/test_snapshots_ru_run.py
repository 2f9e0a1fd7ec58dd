"""Pictures of Review, Run (a finished run) and Done in Russian at 80×24, beside the English ones
of test_snapshots.py (the same pinned sandboxes, knobs and masking): the longer Russian words
must fit the screen. A Pilot test then checks a live Russian run speaks Russian in its progress.

Update after a deliberate change with `pytest tests/tui/test_snapshots_ru_run.py
--snapshot-update` and look at the pictures before committing them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import test_snapshots
from test_snapshots import (  # noqa: F401
    SIZE,
    VOLATILE,
    forward,
    one_snapshot_run_at_a_time,
    screens_demo,
    until,
    wizard,
)
from tui_helpers import screen_name, widget_text

from ffwizard.i18n import _, set_language

# Blocks of their own (offsets and ports no other snapshot sandbox uses).
RU_BLOCKS = {
    "run-done-ru": dict(offset=91_000, shard_http=7110, shard_tarantool=62_300, sf_api=7190,
                        extraction_api=7191, upload=7192, ntls=7193),
    "done-ru": dict(offset=91_250, shard_http=7210, shard_tarantool=62_500, sf_api=7290,
                    extraction_api=7291, upload=7292, ntls=7293),
}

# The Russian spellings of what VOLATILE masks in English: run ids, rates and durations.
VOLATILE_RU = [
    (re.compile(r"\b(Запуск) \S+:"), r"\1 <run-id>:"),
    (re.compile(r"[\d,.\u00a0]+ ?(объект\w*)?/с\b"), "<rate>/с"),
    (re.compile(r"\b\d+(\.\d+)? ?(мс|с)\b"), "<time>"),
]


def masked(line: str) -> str:
    for pattern, replacement in VOLATILE + VOLATILE_RU:
        line = pattern.sub(replacement, line)
    return line


def russian_wizard(demo):
    set_language("ru")
    return wizard(demo)


def russian_run_demo(monkeypatch, name: str):
    monkeypatch.setenv("FFWIZARD_TEST_DISK_FREE_BYTES", str(500 * 1024**3))
    monkeypatch.setenv("FFWIZARD_TEST_MEM_AVAILABLE_BYTES", str(64 * 1024**3))
    monkeypatch.setenv("FFWIZARD_POLL_INTERVAL", "0.2")
    monkeypatch.setitem(test_snapshots.BLOCKS, name, RU_BLOCKS[name])
    return test_snapshots.fixed_sandbox(monkeypatch, name, shards=2)


async def finish_run(pilot):
    """From Welcome through a whole run, the point of no return answered; the Run screen."""
    app = pilot.app
    await forward(6)(pilot)
    await pilot.press("right", "enter")
    await until(pilot, lambda: screen_name(app) == "RunScreen")
    run_screen = app.screen
    await until(pilot, lambda: screen_name(app) == "Choice")
    await pilot.press("right", "enter")
    await until(pilot, lambda: run_screen.outcome is not None)
    assert run_screen.outcome.status == "done"
    await until(pilot, lambda: run_screen.query_one("#results").display)
    return run_screen


async def freeze_output(pilot, run_screen) -> None:
    """test_snapshots.freeze_output, with the Russian line announcing the detached tool."""
    from ffwizard.ui.widgets.log_pane import LineSplitter, LogPane

    await until(pilot, run_screen.finished.is_set)
    await pilot.app.workers.wait_for_complete()
    pane = run_screen.query_one("#log", LogPane)
    pane.flush()
    log = Path(run_screen.outcome.run_dir) / "migration.log"
    tool_lines = [line for raw in log.read_text().splitlines()
                  for line in LineSplitter._clean(raw)]
    announcement = _("the migration runs detached (pid {pid}); its output goes to {log}")
    anchor = announcement.split("{")[0].rstrip(" (")
    rest = list(pane.lines)
    for line in tool_lines:
        rest.remove(line)
    start = next(i for i, line in enumerate(rest) if anchor in line)
    lines = [masked(line) for line in rest[:start + 1] + tool_lines + rest[start + 1:]]
    pane.clear()
    pane.write_lines(lines)
    await pilot.pause(0.5)


def test_review_ru(snap_compare, screens_demo):
    assert snap_compare(russian_wizard(screens_demo), terminal_size=SIZE,
                        run_before=forward(5))


def test_confirm_start_ru(snap_compare, screens_demo):
    assert snap_compare(russian_wizard(screens_demo), terminal_size=SIZE,
                        run_before=forward(6))


def test_run_finished_ru(snap_compare, monkeypatch):
    demo, stop = russian_run_demo(monkeypatch, "run-done-ru")

    async def run_before(pilot) -> None:
        run_screen = await finish_run(pilot)
        await freeze_output(pilot, run_screen)
        run_screen.query_one("#results").focus()
        await pilot.pause(0.3)

    try:
        assert snap_compare(russian_wizard(demo), terminal_size=SIZE, run_before=run_before)
    finally:
        stop()


def test_done_ru(snap_compare, monkeypatch):
    demo, stop = russian_run_demo(monkeypatch, "done-ru")

    async def run_before(pilot) -> None:
        app = pilot.app
        await finish_run(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: screen_name(app) == "DoneScreen")
        await pilot.pause(0.3)

    try:
        assert snap_compare(russian_wizard(demo), terminal_size=SIZE, run_before=run_before)
    finally:
        stop()


@pytest.mark.asyncio
async def test_a_russian_run_reports_its_progress_and_result_in_russian(sim_sandbox_factory,
                                                                       monkeypatch):
    """A live run (not frozen: rate and time left shown), the copy paced so progress is seen."""
    from ffwizard.demo.faults import set_faults
    from ffwizard.ui.app import create_app

    monkeypatch.setenv("FFWIZARD_POLL_INTERVAL", "0.2")
    demo = sim_sandbox_factory(shards=2, objects=600)
    set_faults(demo.root, FFSIM_PACE=100)  # about six seconds of copying
    set_language("ru")
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await forward(6)(pilot)
        await pilot.press("right", "enter")
        await until(pilot, lambda: screen_name(app) == "RunScreen")
        run_screen = app.screen
        assert run_screen.query_one("#log").border_title == "вывод"

        seen: set[str] = set()
        messages: set[str] = set()

        def progress_seen() -> bool:
            seen.add(widget_text(app, "#progress-text") if screen_name(app) == "RunScreen"
                     else "")
            messages.add(widget_text(app, "#message") if screen_name(app) == "RunScreen"
                         else "")
            return any("осталось" in text for text in seen)

        await until(pilot, progress_seen, timeout=120)
        live = next(text for text in seen if "осталось" in text)
        # "123/600 объектов · 45/с · осталось 6 с": counts, rate and time left in Russian.
        assert re.fullmatch(r"\d+/600 объектов · [\d\u00a0]+/с · осталось .*\d[ \u00a0]?(с|мин|ч)",
                            live), live
        assert any(text.startswith("Шаг ") and text.endswith(". Ctrl+C — стоп.")
                   for text in messages), messages

        await until(pilot, lambda: screen_name(app) == "Choice", timeout=120)
        assert widget_text(app, ".dialog-title") == "Точка невозврата"
        await pilot.press("right", "enter")
        await until(pilot, lambda: run_screen.outcome is not None, timeout=120)
        assert run_screen.outcome.status == "done"
        assert widget_text(app, "#progress-text") == "Скопировано 600/600 объектов"
        assert widget_text(app, "#run-status").startswith("✓ Миграция завершена и проверена. Отчёт: ")
        assert str(run_screen.query_one("#results").label) == "Результаты"
        assert "  ✓ готово" in run_screen.query_one("#log").lines

        await until(pilot, lambda: run_screen.query_one("#results").display)
        await pilot.press("enter")
        await until(pilot, lambda: screen_name(app) == "DoneScreen")
        await pilot.pause(0.3)
        assert widget_text(app, ".screen-title") == "✓ Миграция завершена"
        table = widget_text(app, "#verification")
        assert table.splitlines()[0].split() == ["галерея", "старые", "шарды", "новые", "шарды",
                                                 "сейчас"]
        assert table.splitlines()[-1].split() == ["итого", "600", "600", "600"]
        keep = widget_text(app, "#keep")
        assert keep.startswith("Сохраните данные старых шардов (") and "уже остановлены" in keep
        assert str(app.screen.query_one("#next").label) == "Выйти"
