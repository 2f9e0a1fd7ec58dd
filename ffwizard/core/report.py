"""The run report: Markdown a customer can read. Built from the saved plan and the journal only,
both free of secrets (secret file contents live in the run's private/ directory)."""

from __future__ import annotations

from pathlib import Path

from ffwizard.core.atomic import atomic_write_text
from ffwizard.core.journal import RunDir
from ffwizard.core.progress import format_duration
from ffwizard.core.runplan import RunPlan

STATUS_WORDS = {
    "done": "finished", "failed": "failed", "stopped": "stopped (can be resumed)",
    "running": "running", "rolled-back": "rolled back", "rolling-back": "being rolled back",
    "rollback-failed": "rollback stopped", "new": "not started",
}
STEP_WORDS = {"done": "done", "failed": "failed", "started": "interrupted", "pending": "not run",
              "undone": "undone"}


def render_report(run: RunDir, plan: RunPlan) -> str:
    state = run.state()
    info = run.info()
    summary = plan.summary
    inst = summary.get("installation", {})
    answers = summary.get("answers", {})
    out: list[str] = []
    w = out.append
    w(f"# Feature-vector migration report — run {info['run_id']}")
    w("")
    w(f"- Installation: `{plan.root}` (compose project `{inst.get('project', '?')}`)")
    w(f"- Runtime: {info.get('runtime')}")
    w(f"- Started: {info.get('created', '?').replace('T', ' ')[:19]} UTC")
    w(f"- Result: **{STATUS_WORDS.get(state.status, state.status)}**")
    if state.last_error and state.status != "done":
        w(f"- Stopped because: {state.last_error.splitlines()[0]}")
    w("")
    w("## What was found")
    w("")
    w(f"- Extraction runs on **{str(inst.get('device', '?')).upper()}**; "
      f"models under `{inst.get('models_root', '?')}`.")
    old = summary.get("old_shards", [])
    w(f"- {len(old)} shards: " + ", ".join(f"{s['name']} (port {s.get('http_port')})" for s in old))
    storage = inst.get("normalized_storage") or {}
    if storage:
        w(f"- Normalized images stored in {storage.get('type')}.")
    w(f"- Clustering {'enabled' if inst.get('clustering_enabled') else 'disabled'}.")
    w("")
    w("## What was chosen")
    w("")
    old_models = inst.get("models", {})
    w("| object type | model before | model after |")
    w("|---|---|---|")
    for kind, model in (answers.get("models") or {}).items():
        w(f"| {kind} | `{old_models.get(kind, '?')}` | `{model}` |")
    w("")
    new = summary.get("new_shards", [])
    w(f"- New shards: " + ", ".join(f"{s['name']} (port {s.get('http_port')})" for s in new))
    migration = answers.get("migration", {})
    if migration:
        w(f"- Migration settings: " + ", ".join(f"{k} {v}" for k, v in migration.items()))
    w(f"- Database backup directory: `{answers.get('backup_dir')}`")
    w("")
    w("## Steps")
    w("")
    w("| # | step | result | time |")
    w("|---|---|---|---|")
    for index, step in enumerate(plan.steps, 1):
        status = state.step_status(step.id)
        seconds = state.durations.get(step.id)
        took = format_duration(seconds) if seconds is not None else ""
        w(f"| {index} | {step.title} | {STEP_WORDS.get(status, status)} | {took} |")
    w("")
    backup = state.data.get("backup", {})
    if backup.get("dump_dir"):
        w(f"The database dump is in `{backup['dump_dir']}`; ffwizard never deletes it.")
        w("")
    copy = state.data.get("verify_copy", {})
    final = state.data.get("verify_final", {})
    if copy.get("old_counts"):
        w("## Objects per gallery")
        w("")
        w("| gallery | old shards | new shards (after copy) |" + (" new shards (at the end) |" if final else ""))
        w("|---|---|---|" + ("---|" if final else ""))
        for name in sorted(set(copy["old_counts"]) | set(copy.get("new_counts", {}))):
            row = f"| {name} | {copy['old_counts'].get(name, 0)} | {copy.get('new_counts', {}).get(name, 0)} |"
            if final:
                row += f" {final.get('final_counts', {}).get(name, 0)} |"
            w(row)
        w("")
    run_data = state.data.get("run_migration", {})
    if run_data.get("seconds") and run_data.get("objects") is not None:
        rate = run_data["objects"] / run_data["seconds"]
        w(f"Migration: {run_data['objects']} objects in {format_duration(run_data['seconds'])} "
          f"({rate:.1f} objects/s).")
        w("")
    w("## Files changed")
    w("")
    manifest = _manifest(run)
    if manifest:
        for path, entry in sorted(manifest.items()):
            what = "backed up, then changed" if entry.get("existed") else "created"
            w(f"- `{path}` — {what}")
        w("")
        w("Copies of every changed file, as it was before the run, are in `backups/` next to "
          "this report.")
    else:
        w("- none")
    w("")
    w("The old shards' data directories are kept on disk untouched.")
    return "\n".join(out) + "\n"


def _manifest(run: RunDir) -> dict:
    import json
    try:
        return json.loads((run.path / "backups" / "manifest.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}


def write_report(run: RunDir, plan: RunPlan) -> Path:
    atomic_write_text(run.report, render_report(run, plan))
    return run.report
