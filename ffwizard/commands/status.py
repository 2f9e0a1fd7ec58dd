"""`ffwizard status`: where the current (or last) migration run is, and what to do next."""

from __future__ import annotations

import argparse

from ffwizard.commands.runcommon import add_root
from ffwizard.i18n import N_, _

# The mark in front of each step, by its status code; padded to one width when shown.
# TRANSLATORS: the marks are short (one column in `ffwizard status`); FAILED is in capitals to
# stand out.
MARKS = {"done": N_("done"), "failed": N_("FAILED"), "started": N_("running"), "pending": "",
         "undone": N_("undone"), "stopped": N_("stopped")}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "status", help=_("show the current (or last) migration run"),
        description=_("Show the steps of the current or last run, the migration's progress, "
                      "the last lines of its output, and what to do next. Changes nothing."))
    add_root(parser)
    parser.set_defaults(func=run)


def render_status(status, progress=None) -> str:
    from ffwizard.core.plan import step_title
    from ffwizard.core.progress import format_count, format_decimal, format_duration
    from ffwizard.core.report import status_word

    out = []
    add = out.append
    words = status_word(status.status)
    if status.status in ("running", "rolling-back") and status.holder is None:
        words = _("interrupted (ffwizard is no longer running)")
    # TRANSLATORS: {runtime} is docker or sim.
    add(_("Run {run_id} ({runtime} runtime): {status}").format(
        run_id=status.run_id, runtime=status.runtime, status=words))
    if status.holder is not None:
        add("  " + _("being run now by {holder}").format(holder=status.holder.describe()))
    add("  " + _("run directory: {path}").format(path=status.run.path))
    marks = {code: _(word) if word else "" for code, word in MARKS.items()}
    width = max(len(mark) for mark in marks.values())
    for number, step in enumerate(status.steps, 1):
        code = step.status
        if code == "started" and status.holder is None:
            code = "stopped"
        mark = marks.get(code, code)
        took = f" ({format_duration(step.seconds)})" if step.seconds is not None else ""
        pnr = "  <- " + _("point of no return") if step.point_of_no_return else ""
        add(f"  [{mark:<{width}}] {number:>2}. {step_title(step)}{took}{pnr}")
    m = status.migration
    if m.state != "not started":
        detail = {"running": _("running (pid {pid})"), "finished": _("finished"),
                  "failed": _("failed (exit status {code})"),
                  "vanished": _("ended without an exit status (pid {pid})")}[m.state]
        add(_("Migration tool: {state}; output in {path}").format(
            state=detail.format(pid=m.pid, code=m.exit_code), path=m.log))
    if progress is not None:
        import time

        done, total = progress
        share = f" ({done / total:.0%})" if total else ""
        line = _("objects in the new shards: {done} of {total}{share}").format(
            done=format_count(done), total=format_count(total), share=share)
        elapsed = time.time() - m.started if m.started else 0
        if done and elapsed > 0:
            rate = done / elapsed  # the average since the start: one look has no recent pace
            if total > done:
                line = _("{progress}, {rate}/s on average, about {left} left").format(
                    progress=line, rate=format_decimal(rate),
                    left=format_duration((total - done) / rate))
            else:
                line = _("{progress}, {rate}/s on average").format(progress=line,
                                                                   rate=format_decimal(rate))
        add("  " + line)
    if status.last_error and status.status in ("failed", "rollback-failed"):
        add(_("Last error: {error}").format(error=status.last_error))
    if status.report.exists():
        add(_("Report: {path}").format(path=status.report))
    return "\n".join(out) + "\n"


def next_hint(status, root) -> str:
    if not status.current:
        return ""
    if status.holder is not None:
        return _("Follow it with: ffwizard attach --root {root}").format(root=root)
    if status.status in ("failed", "stopped", "running", "new"):
        resume = f"ffwizard resume --root {root}"
        if status.migration.state in ("failed", "vanished"):
            resume += " --rerun-migration"
        return _("Continue with: {resume}   or undo with: ffwizard rollback --root {root}").format(
            resume=resume, root=root)
    if status.status in ("rolling-back", "rollback-failed"):
        return _("Finish the rollback with: ffwizard rollback --root {root}").format(root=root)
    return ""


def run(args: argparse.Namespace) -> int:
    from ffwizard.commands.runcommon import runtime_for_run, say
    from ffwizard.core.errors import UserError
    from ffwizard.core.runstatus import log_tail, migration_progress, read_status

    root = args.root.resolve()
    status = read_status(root)
    if status is None:
        say(_("No migration run at {root} yet. Start one with: ffwizard apply --root {root} "
              "--answers FILE").format(root=root))
        return 0
    progress = None
    if status.migration.state == "running":
        try:
            progress = migration_progress(status, runtime_for_run(root, status.run))
        except UserError:
            progress = None
    say(render_status(status, progress).rstrip("\n"))
    if progress is not None:
        from ffwizard.core.progress import stalled_words
        from ffwizard.core.settings import Settings
        from ffwizard.core.stall import seconds_without_progress

        idle = seconds_without_progress(status.run.path, progress[0])
        if idle >= Settings.from_environ().stall_seconds and progress[0] < progress[1]:
            say("  " + stalled_words(idle))
    if status.migration.state in ("running", "failed", "vanished"):
        lines = log_tail(status, 5)
        if lines:
            say(_("Last output of the migration tool:"))
            for line in lines.splitlines():
                say("  " + line)
    hint = next_hint(status, root)
    if hint:
        say(hint)
    return 0
