"""The run report, the executor's messages and durations in both languages: a real run on a
simulated installation, reported in Russian and in English; Russian plural forms; durations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from install_fixtures import plan_of

from ffwizard.core.errors import UserError
from ffwizard.core.executor import Executor
from ffwizard.core.journal import RunDir
from ffwizard.core.plan import Plan, PlanSummary
from ffwizard.core.planner import load_plan
from ffwizard.core.progress import ProgressSample, format_duration
from ffwizard.core.report import render_report
from ffwizard.core.settings import Settings
from ffwizard.core.steps import STEPS
from ffwizard.i18n import set_language, translate_in

NEW_MODELS = {"face": "face/nectarine_m_160.gpu.fnk", "body": "pedrec/wheat_m_256.gpu.fnk",
              "car": "carrec/cedar_m_224.gpu.fnk"}
INSTALLS = Path(__file__).resolve().parents[1] / "fixtures" / "installs"
S3_SECRETS = ("wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY", "AKIAIOSFODNN7EXAMPLE")

ENGLISH_HEADINGS = ("# Feature-vector migration report", "## What was found", "## What was chosen",
                    "## Steps", "## Objects per gallery", "## Files changed")
RUSSIAN_HEADINGS = ("# Отчёт о миграции векторов признаков — запуск ", "## Что найдено",
                    "## Что выбрано", "## Шаги", "## Объекты по галереям", "## Изменённые файлы")
CYRILLIC = re.compile("[А-Яа-яЁё]")


def english_phrases(text: str) -> list[str]:
    """Runs of three or more English words outside `code` spans: what a translation missed.
    Names (galleries, shards, settings, models) are single tokens and do not count."""
    found = []
    for line in text.splitlines():
        line = re.sub(r"`[^`]*`", " ", line)
        words = re.findall(r"[^\s|()*,;:—]+", line)
        run: list[str] = []
        for word in words + [""]:
            if re.fullmatch(r"[A-Za-z]+[.]?", word):
                run.append(word)
                continue
            if len(run) >= 3:
                found.append(" ".join(run))
            run = []
    return found


@pytest.fixture
def finished_run_in_russian(sim_sandbox):
    """A whole migration of the simulated installation, run with Russian as the language:
    (run directory, events)."""
    set_language("ru")
    plan = plan_of(sim_sandbox.root, {"models": NEW_MODELS})
    events = []
    executor = Executor.start(sim_sandbox.root, plan, sim_sandbox.runtime,
                              on_event=events.append, confirm=lambda step: True,
                              settings=Settings(poll_interval=0.2, health_timeout=30))
    outcome = executor.run()
    assert outcome.status == "done", outcome.error
    return outcome.run_dir, events


def test_a_finished_run_reports_in_russian_then_in_english(finished_run_in_russian):
    run_dir, events = finished_run_in_russian
    # The report the run wrote itself, in the language it ran in.
    russian = (run_dir / "report.md").read_text()
    for heading in RUSSIAN_HEADINGS:
        assert heading in russian
    for heading in ENGLISH_HEADINGS:
        assert heading not in russian
    assert "- Результат: **завершён**" in russian
    assert "| № | шаг | результат | время |" in russian
    assert "| 1 | Создать резервную копию базы векторов признаков | готово |" in russian
    assert "| 11 | Переключить sf-api на новые шарды | готово |" in russian
    assert "| галерея | старые шарды | новые шарды (после копирования) | новые шарды (в конце) |" \
        in russian
    assert "- 4 шарда: shard-001 (порт " in russian
    assert "- Кластеризация включена." in russian
    assert re.search(r"^\| лица \| `face/[^`]+` \| `face/nectarine_m_160.gpu.fnk` \|$", russian, re.M)
    assert "| автомобили | `carrec/" in russian
    assert re.search(r"^Миграция: 600 объектов за (<1|\d+)\u00a0с \([\d\u00a0]+,\d объектов/с\)\.$", russian, re.M)
    assert "ffwizard никогда его не удаляет" in russian
    assert "Каталоги данных старых шардов сохранены на диске нетронутыми." in russian
    for kind in STEPS:
        assert kind.title not in russian  # every step named in Russian
        assert translate_in("ru", kind.title) in russian
    assert english_phrases(russian) == []
    # Numbers, names and paths are the same in both languages.
    assert "| ffsec_face_events | 138 | 138 | 138 |" in russian

    # The events the log pane shows, in Russian too.
    started = [e.text for e in events if e.kind == "step_started"]
    assert started[0] == "Создать резервную копию базы векторов признаков"
    progress = [e.text for e in events if e.kind == "progress"]
    assert progress and all("объектов" in text for text in progress)

    # The same run, reported in English.
    set_language("en")
    english = render_report(RunDir(run_dir), load_plan(run_dir))
    for heading in ENGLISH_HEADINGS:
        assert heading in english
    assert "- Result: **finished**" in english
    assert "| 1 | Back up the feature-vector database | done |" in english
    assert "- 4 shards: shard-001 (port " in english
    assert "| car | `carrec/" in english
    assert re.search(r"^Migration: 600 objects in (<1|\d+)s \([\d,]+\.\d objects/s\)\.$", english, re.M)
    assert not CYRILLIC.search(english), CYRILLIC.search(english)
    assert "Back up the" in english_phrases(english)  # the Russian check above can fail
    assert "| ffsec_face_events | 138 | 138 | 138 |" in english


def report_with(root: Path, *, shards: int, objects: int) -> str:
    run = RunDir.create(root, "sim")
    summary = {"installation": {"project": "findface-multi", "device": "cpu"},
               "old_shards": [{"name": f"shard-{n:03d}", "http_port": 8100 + n}
                              for n in range(1, shards + 1)]}
    run.journal.append("step_data", step="run_migration",
                       data={"seconds": 60.0, "objects": objects})
    return render_report(run, Plan(root, [], PlanSummary.from_json(summary)))


@pytest.mark.parametrize("count, shards, objects", [
    (1, "1 шард:", "1 объект за"), (2, "2 шарда:", "2 объекта за"),
    (5, "5 шардов:", "5 объектов за"), (21, "21 шард:", "21 объект за"),
    (12, "12 шардов:", "12 объектов за")])
def test_counts_take_the_russian_plural_forms(tmp_path, count, shards, objects):
    set_language("ru")
    text = report_with(tmp_path, shards=count, objects=count)
    assert f"- {shards} shard-001 (порт 8101)" in text
    assert f"Миграция: {objects} 1\u00a0мин\u00a00\u00a0с" in text


def test_counts_in_english(tmp_path):
    assert "- 1 shard: shard-001 (port 8101)" in report_with(tmp_path / "a", shards=1, objects=1)
    text = report_with(tmp_path / "b", shards=2, objects=2)
    assert "- 2 shards: shard-001 (port 8101), shard-002 (port 8102)" in text
    assert "Migration: 2 objects in 1m00s (0.0 objects/s)." in text


def test_durations_and_progress_in_russian():
    durations = (0, 0.2, 0.7, 5, 307, 3725, 3 * 86400 + 4 * 3600)
    assert [format_duration(s) for s in durations] == \
        ["0s", "<1s", "1s", "5s", "5m07s", "1h02m", "3d4h"]
    set_language("ru")
    assert [format_duration(s) for s in durations] == \
        [d.replace(" ", "\u00a0")  # no-break spaces: a duration never breaks across lines
         for d in ["0 с", "<1 с", "1 с", "5 с", "5 мин 7 с", "1 ч 2 мин", "3 д 4 ч"]]
    sample = ProgressSample(done=100, total=1000, rate=10.0, eta_seconds=90.0, elapsed=10.0)
    assert sample.describe() == "100/1\u00a0000 объектов (10%), 10,0/с, осталось около 1\u00a0мин\u00a030\u00a0с"
    big = ProgressSample(done=1_234_567, total=2_000_000, rate=1769.94, eta_seconds=None,
                         elapsed=1.0)
    assert big.describe() == "1\u00a0234\u00a0567/2\u00a0000\u00a0000 объектов (62%), 1\u00a0769,9/с"
    set_language("en")
    assert big.describe() == "1,234,567/2,000,000 objects (62%), 1,769.9/s"


def test_a_failed_run_reported_in_russian_keeps_secrets_out(tmp_path):
    root = tmp_path / "s3"
    shutil.copytree(INSTALLS / "s3", root)
    set_language("ru")
    plan = plan_of(root)
    run = RunDir.create(root, "sim")
    saved = plan
    saved.save(run.path)
    run.journal.append("run_started")
    run.journal.append("step_started", step="backup")
    run.journal.append("step_done", step="backup")
    run.journal.append("step_started", step="create_shard_dirs")
    run.journal.append("step_failed", step="create_shard_dirs", error="диск заполнен")
    run.journal.append("run_failed", step="create_shard_dirs", error="диск заполнен")
    text = render_report(run, saved)
    assert "- Результат: **ошибка**" in text and "- Причина остановки: диск заполнен" in text
    assert "| 2 | Создать каталоги данных новых шардов | ошибка |" in text
    assert "| 4 | Переключить модель извлечения | не выполнялся |" in text
    assert english_phrases(text) == []
    for secret in S3_SECRETS:
        assert secret not in text


def test_refusals_speak_russian(tmp_path):
    set_language("ru")
    with pytest.raises(UserError) as refused:
        Executor.open(tmp_path, runtime=None)
    assert str(refused.value).startswith("в ")
    assert "нет запуска миграции, который можно продолжить" in str(refused.value)


def test_a_russian_duration_never_breaks_across_lines_of_the_plan():
    """`plan` wraps its lines at spaces: "5 мин 7 с" once came out as "… 5" / "мин 7 с …"."""
    from ffwizard.commands.plan import WIDTH, _wrap

    set_language("ru")
    for seconds in (0.2, 5, 59, 307, 3599, 3725, 86399, 3 * 86400 + 4 * 3600):
        duration = format_duration(seconds)
        assert " " not in duration and "\u00a0" in duration, duration
        # At every position on the line, the duration stays on one line, whole.
        for pad in range(WIDTH):
            lines = _wrap("x" * pad + " окно около " + duration + " для копирования", "  ",
                          "    ")
            assert any(duration in line for line in lines), (pad, lines)
