"""The run report: Markdown a customer can read. Built from the saved plan and the journal only,
both free of secrets (secret file contents live in the run's private/ directory).

Written in the current language (the front end sets it); numbers, dates, paths, names of
services and galleries stay as they are. Error texts come from the journal, in the language
the run was in when they happened."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ffwizard.core.atomic import atomic_write_text
from ffwizard.core.events import RunStatus, StepStatus
from ffwizard.core.installation import object_type_word
from ffwizard.core.journal import RunDir
from ffwizard.core.plan import Plan, ShardSummary
from ffwizard.core.progress import format_duration
from ffwizard.core.steps import step_title
from ffwizard.core.steps.backup import dump_dir
from ffwizard.core.steps.count_arrivals import arrival_facts
from ffwizard.core.steps.run_migration import migration_facts
from ffwizard.core.steps.switch_model import SwitchModel, cache_left_sentences
from ffwizard.core.steps.verify_copy import copy_counts
from ffwizard.core.steps.verify_final import final_counts
from ffwizard.core.window import arrival_sentences, window_sentence
from ffwizard.i18n import N_, _, format_count, format_decimal, ngettext

# Display words for journal status codes (the codes themselves stay in the journal and --json).
STATUS_WORDS: dict[str, str] = {
    RunStatus.DONE: N_("finished"), RunStatus.FAILED: N_("failed"),
    RunStatus.STOPPED: N_("stopped (can be resumed)"), RunStatus.RUNNING: N_("running"),
    RunStatus.ROLLED_BACK: N_("rolled back"), RunStatus.ROLLING_BACK: N_("being rolled back"),
    RunStatus.ROLLBACK_FAILED: N_("rollback stopped"), RunStatus.NEW: N_("not started"),
}
# TRANSLATORS: the STEP_WORDS below are the result of one step, in a table cell.
STEP_WORDS: dict[str, str] = {StepStatus.DONE: N_("done"), StepStatus.FAILED: N_("failed"),
              StepStatus.STARTED: N_("interrupted"), StepStatus.PENDING: N_("not run"),
              StepStatus.UNDONE: N_("undone")}
RUNTIME_WORDS = {"docker": N_("Docker Engine"), "sim": N_("simulated installation (demo)")}


def status_word(status: str) -> str:
    """A run's status code (`done`, `stopped`, …) in words of the current language."""
    word = STATUS_WORDS.get(status)
    return _(word) if word else status


def step_word(status: str) -> str:
    """A step's status code (`done`, `started`, …) in words of the current language."""
    word = STEP_WORDS.get(status)
    return _(word) if word else status


def runtime_word(kind: str | None) -> str:
    word = RUNTIME_WORDS.get(kind or "")
    return _(word) if word else str(kind)


def _shard_list(shards: tuple[ShardSummary, ...]) -> str:
    return ", ".join(_("{name} (port {port})").format(name=s.name, port=s.http_port)
                     for s in shards)


def render_report(run: RunDir, plan: Plan) -> str:
    state = run.state()
    info = run.info()
    summary = plan.summary
    out: list[str] = []
    w = out.append
    w("# " + _("Feature-vector migration report — run {run_id}").format(run_id=info["run_id"]))
    w("")
    w("- " + _("Installation: `{root}` (compose project `{project}`)").format(
        root=plan.root, project=summary.project))
    w("- " + _("Runtime: {runtime}").format(runtime=runtime_word(info.get("runtime"))))
    w("- " + _("Started: {time} UTC").format(
        time=info.get("created", "?").replace("T", " ")[:19]))
    w("- " + _("Result: **{status}**").format(status=status_word(state.status)))
    if state.last_error and state.status != "done":
        w("- " + _("Stopped because: {error}").format(error=state.last_error.splitlines()[0]))
    w("")
    w("## " + _("What was found"))
    w("")
    w("- " + _("Extraction runs on **{device}**; models under `{models_root}`.").format(
        device=summary.device.upper(), models_root=summary.models_root))
    old = summary.old_shards
    w("- " + ngettext("{count} shard: {shards}", "{count} shards: {shards}", len(old)).format(
        count=len(old), shards=_shard_list(old)))
    if summary.normalized_storage:
        w("- " + _("Normalized images stored in {storage}.").format(
            storage=summary.normalized_storage))
    w("- " + (_("Clustering enabled.") if summary.clustering_enabled
              else _("Clustering disabled.")))
    w("")
    w("## " + _("What was chosen"))
    w("")
    old_models = summary.models_before
    w("| " + " | ".join([_("object type"), _("model before"), _("model after")]) + " |")
    w("|---|---|---|")
    for kind, model in summary.models.items():
        w(f"| {object_type_word(kind)} | `{old_models.get(kind, '?')}` | `{model}` |")
    w("")
    w("- " + _("New shards: {shards}").format(shards=_shard_list(summary.new_shards)))
    migration = summary.migration
    if migration:
        # Keys are the migration tool's own setting names (workers_num, …): not translated.
        w("- " + _("Migration settings: {settings}").format(
            settings=", ".join(f"{k} {v}" for k, v in migration.items())))
    w("- " + _("Database backup directory: `{path}`").format(path=summary.backup_dir))
    w("")
    w("## " + _("Steps"))
    w("")
    # TRANSLATORS: headers of the steps table: number, step, result, time taken.
    w("| " + " | ".join([_("#"), _("step"), _("result"), _("time")]) + " |")
    w("|---|---|---|---|")
    for index, step in enumerate(plan.steps, 1):
        status = state.step_status(step.id)
        seconds = state.durations.get(step.id)
        took = format_duration(seconds) if seconds is not None else ""
        w(f"| {index} | {step_title(step)} | {step_word(status)} | {took} |")
    w("")
    dump = dump_dir(state.data)
    if dump:
        w(_("The database dump is in `{path}`; ffwizard never deletes it.").format(path=dump))
        w("")
    copy = copy_counts(state.data)
    final = final_counts(state.data)
    if copy.get("old_counts"):
        w("## " + _("Objects per gallery"))
        w("")
        headers = [_("gallery"), _("old shards"), _("new shards (after copy)")]
        if final:
            headers.append(_("new shards (at the end)"))
        w("| " + " | ".join(headers) + " |")
        w("|" + "---|" * len(headers))
        for name in sorted(set(copy["old_counts"]) | set(copy.get("new_counts", {}))):
            counts = [copy["old_counts"].get(name, 0), copy.get("new_counts", {}).get(name, 0)]
            if final:
                counts.append(final.get("final_counts", {}).get(name, 0))
            row = f"| {name} | " + " | ".join(format_count(n) for n in counts) + " |"
            w(row)
        w("")
    _window_section(w, state.data)
    run_data = migration_facts(state.data)
    if run_data.get("seconds") and run_data.get("objects") is not None:
        objects = run_data["objects"]
        rate = objects / run_data["seconds"]
        w(ngettext("Migration: {count} object in {duration} ({rate} objects/s).",
                   "Migration: {count} objects in {duration} ({rate} objects/s).",
                   objects).format(count=format_count(objects),
                                   duration=format_duration(run_data["seconds"]),
                                   rate=format_decimal(rate)))
        w("")
    w("## " + _("Files changed"))
    w("")
    manifest = _manifest(run)
    if manifest:
        for path, entry in sorted(manifest.items()):
            if entry.get("existed"):
                w("- " + _("`{path}` — backed up, then changed").format(path=path))
            else:
                w("- " + _("`{path}` — created").format(path=path))
        w("")
        w(_("Copies of every changed file, as it was before the run, are in `backups/` next to "
            "this report."))
    else:
        # TRANSLATORS: the list of changed files is empty.
        w("- " + _("none"))
    w("")
    left = _left_in_place(plan, state.data)
    if left:
        w("## " + _("Left in place"))
        w("")
        for line in left:
            w("- " + line)
        w("")
    w(_("The old shards' data directories are kept on disk untouched."))
    return "\n".join(out) + "\n"


def _left_in_place(plan: Plan, data: dict[str, dict[str, Any]]) -> list[str]:
    """What rollback did not remove although the run caused it, each with why."""
    lines: list[str] = []
    for step in plan.steps:
        if isinstance(step.kind, SwitchModel):
            lines += cache_left_sentences(step.params, data.get(step.id, {}))
    return lines


def _window_section(w: Any, data: dict[str, dict[str, Any]]) -> None:
    """What arrived in the old shards during the copy, counted just before the point of no
    return (the copy check's count when the run stopped before that)."""
    counted = arrival_facts(data)
    if "arrivals" not in counted:
        counted = copy_counts(data)
    if "arrivals" not in counted:
        return
    w("## " + _("Events during the copy"))
    w("")
    w(window_sentence(counted["arrivals"], paused=bool(counted.get("paused"))))
    for line in arrival_sentences(counted["arrivals"]):
        w("- " + line)
    w("")


def _manifest(run: RunDir) -> dict[str, dict[str, object]]:
    try:
        manifest: dict[str, dict[str, object]] = json.loads(
            (run.path / "backups" / "manifest.json").read_text())
        return manifest
    except (FileNotFoundError, ValueError):
        return {}


def write_report(run: RunDir, plan: Plan) -> Path:
    path: Path = run.report
    atomic_write_text(path, render_report(run, plan))
    return path
