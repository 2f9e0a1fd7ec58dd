"""`ffwizard plan`: detect the installation, resolve the answers and print the whole plan.

Read-only: it writes nothing and needs no Docker Engine (with `--runtime` it asks the runtime,
read-only, which models the extraction service offers). Exit status 0 when the plan can run,
2 when a problem blocks it.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

from ffwizard import session
from ffwizard.commands.runcommon import add_root
from ffwizard.core.answers import load_answers
from ffwizard.core.answers_file import save_answers
from ffwizard.core.errors import ExitCode, UserError
from ffwizard.core.installation import severity_word
from ffwizard.core.intake import planned_pause
from ffwizard.core.ports import HttpAnswer
from ffwizard.core.reextract import Reextract, reextract_text, window_text
from ffwizard.core.secrets import redact
from ffwizard.i18n import N_, _, ngettext


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "plan", help=_("print every step of the migration, with commands and file diffs"),
        description=_("Detect the installation, complete the answers with proposals and print "
                      "every step of the migration: its commands, the diff of each file it "
                      "changes, whether it can be undone. Changes nothing."))
    add_root(parser)
    parser.add_argument("--answers", type=Path, metavar=_("FILE"),
                        help=_("YAML answers file (object_types, models, new_shards, backup_dir, "
                               "migration, migrate_clusters); missing keys take the proposals"))
    parser.add_argument("--available-models", type=Path, metavar=_("FILE"),
                        help=_("file listing the model files the extraction service offers, one "
                               "per line (used to propose and check the new models)"))
    parser.add_argument("--runtime", choices=("docker", "sim"), default=None,
                        help=_("ask the extraction service which models it offers, through "
                               "docker (a real installation) or sim (a demo sandbox), and propose "
                               "real new models; without it, today's models are shown as the "
                               "proposal (on a demo sandbox, sim is asked by default)"))
    parser.add_argument("--no-shard-counts", action="store_true",
                        help=_("do not ask the old shards how many objects they hold (the "
                               "objects to re-extract)"))
    parser.add_argument("--save-answers", type=Path, metavar=_("FILE"),
                        help=_("also write the answers of this plan (proposals included) to "
                               "FILE, the form 'apply --answers' reads (a different file "
                               "already there is kept as FILE.bak)"))
    parser.add_argument("--json", action="store_true",
                        help=_("print one JSON object"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raw = load_answers(args.answers) if args.answers else {}
    available = None
    if args.available_models:
        try:
            lines = args.available_models.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise UserError(_("cannot read the list of models ({error}).").format(
                error=err.strerror),
                            where=str(args.available_models)) from None
        available = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    installation = session.detect_installation(args.root)
    if args.runtime:
        if available is not None:
            raise UserError(_("give either --runtime or --available-models, not both."))
        installation, available = models_through_runtime(args.runtime, installation)
    elif available is None and session.default_runtime_kind(installation.root) == "sim":
        # A demo sandbox: its simulated services are asked without being told (when they run).
        try:
            installation, available = models_through_runtime("sim", installation)
        except UserError:
            pass
    plan = session.make_plan(installation, raw, available,
                             source=str(args.answers) if args.answers else None)
    answers_file = args.answers
    if args.save_answers is not None:
        backup = save_answers(args.save_answers, plan.answers, root=installation.root)
        answers_file = args.save_answers
        saved = _("Saved the answers in {path}.").format(path=args.save_answers)
        if backup is not None:
            saved += " " + _("The file that was there is kept as {path}.").format(path=backup)
        print(saved, file=sys.stderr)
    if args.json:
        sys.stdout.write(redact(json.dumps(plan.to_json_dict(), indent=2, sort_keys=False)))
        sys.stdout.write("\n")
    else:
        reextract = (None if args.no_shard_counts
                     else session.objects_to_reextract(installation, LoopbackHttp()))
        sys.stdout.write(redact(render_plan(plan, models_listed=available is not None,
                                            answers_file=answers_file, reextract=reextract,
                                            runtime_hint=session.default_runtime_kind(
                                                installation.root))))
    if plan.blocked:
        if args.json:
            for problem in plan.problems:
                if problem.severity == "error":
                    print(f"ffwizard: {redact(str(problem))}", file=sys.stderr)
        return ExitCode.REFUSED
    return ExitCode.OK


class LoopbackHttp:
    """GETs on the host's loopback, where the shards answer (read-only; `plan` needs no runtime).

    One request a connection, its HTTP/1.1 read by h11 (the protocol layer httpx itself stands
    on): a few GETs of a short-lived command. Importing the standard library's `http.client`
    costs ~20 ms of CPU (email's parser, ssl and OpenSSL), httpx ~90 ms, h11 ~8 ms, in a
    command of ~120 ms (measured in bench/README.md, issue #17). A run's many requests go through the
    runtime's kept connections instead (`ffwizard/runtime/http.py`)."""

    def http_get(self, url: str, timeout: float = 5.0) -> HttpAnswer:
        import socket  # lazy: only when the shards are asked (not for --help)

        import h11  # lazy: only when the shards are asked

        parts = urlsplit(url)
        try:
            port = parts.port or 80
        except ValueError:
            port = None
        host = parts.hostname
        if parts.scheme != "http" or not host or port is None:
            return HttpAnswer(status=0, error=_("not a plain HTTP address: {url}").format(url=url))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        client = h11.Connection(h11.CLIENT)
        status, body = 0, bytearray()
        try:
            # h11 refuses what HTTP cannot carry (a space in the path, a non-ASCII host name):
            # said as this shard's error, like a refused connection.
            request = h11.Request(method="GET", target=target, headers=[
                ("Host", parts.netloc.rpartition("@")[2]), ("Connection", "close")])
            # An ASCII host is looked up as bytes: a str would load the IDNA codec first.
            with socket.create_connection((host.encode() if host.isascii() else host, port),
                                          timeout=timeout) as sock:
                sock.sendall(client.send(request) + client.send(h11.EndOfMessage()))
                while True:
                    event = client.next_event()
                    if event is h11.NEED_DATA:
                        client.receive_data(sock.recv(65536))
                    elif isinstance(event, h11.Response):
                        status = event.status_code
                    elif isinstance(event, h11.Data):
                        body += event.data
                    elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                        break
        except (OSError, UnicodeError, h11.ProtocolError) as err:
            return HttpAnswer(status=0, error=str(err) or type(err).__name__)
        return HttpAnswer(status=status, body=bytes(body))


def models_through_runtime(kind: str, installation) -> tuple[object, list[str]]:
    """The installation as the runtime sees it and the model files the extraction service
    offers, asked as `apply` asks them."""
    opened = session.open_installation(installation.root, kind, installation=installation)
    models = session.available_models(opened)
    if not models:  # an extraction service always offers its models: none means not asked
        raise UserError(_("the {runtime} runtime could not list the models in {path} of "
                          "{service}; is the installation running? Without --runtime, the plan "
                          "shows today's models as the proposal.").format(
            runtime=kind, path=installation.models_root,
            service=installation.extraction_api_service))
    return opened.installation, models


# --- human output -----------------------------------------------------------------------------

WIDTH = 100  # prose is wrapped to this; commands and file lines are shown whole
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _span(values: list) -> str:
    """`8101…8108` for a run, `8001` when all alike, else the values listed (`?` for unknown)."""
    if not values or all(v is None for v in values):
        return "?"
    if None in values:
        shown = ", ".join("?" if v is None else str(v) for v in values[:6])
        return shown + (", …" if len(values) > 6 else "")
    if len(set(values)) == 1:
        return str(values[0])
    numbers = [_trailing_number(v) for v in values]
    if None not in numbers and all(b - a == 1 for a, b in zip(numbers, numbers[1:])):
        return f"{values[0]}…{values[-1]}"
    shown = ", ".join(str(v) for v in values[:6])
    return shown + (", …" if len(values) > 6 else "")


def _trailing_number(value) -> int | None:
    match = re.search(r"(\d+)$", str(value))
    return int(match.group(1)) if match else None


def describe_shards(shards) -> str:
    if not shards:
        return _("none")
    return (f"{len(shards)}: {_span([s.name for s in shards])} "
            f"(HTTP {_span([s.http_port for s in shards])}, "
            f"Tarantool {_span([s.tarantool_port for s in shards])})")


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


# The labels of the facts and answers, in the order shown; the value column starts after the
# longest of them in the current language (column 17 in English).
LABELS = (N_("compose file"), N_("device"), N_("models"), N_("shards"), N_("storage"),
          N_("clustering"), N_("object types"), N_("new shards"), N_("backup to"),
          N_("workers"), N_("clusters"), N_("intake"), N_("objects"), N_("window"),
          N_("problems"))
# TRANSLATORS: a label in the plan, e.g. "face model"; {kind} is face, body or car.
MODEL_LABEL = N_("{kind} model")


def _label_width(kinds) -> int:
    labels = [_(label) for label in LABELS]
    labels += [_(MODEL_LABEL).format(kind=kind) for kind in kinds]
    return max(15, max(len(label) for label in labels) + 2)


def render_plan(plan, *, models_listed: bool = True, answers_file: Path | None = None,
                runtime_hint: str = "docker", reextract: Reextract | None = None) -> str:
    """The plan as an engineer reads it over SSH: facts, answers, steps, then the problems and
    the verdict at the end, where the eye lands. Paths under the install root are shown relative
    to it (the heading names it once); prose is wrapped, commands and diffs are shown whole.

    `models_listed`: whether the models the extraction service offers were known (else the
    proposal is today's model, and the output says how to get real proposals).
    `answers_file`: the file the answers came from, for the `apply` command shown at the end.
    `runtime_hint`: the --runtime to suggest (sim for a demo sandbox).
    `reextract`: the objects to re-extract, as read from the old shards, and the rate measured
    here (None: the shards were not asked; the window's length is then only described)."""
    inst = plan.installation
    prefix = str(inst.root).rstrip("/") + "/"

    def rel(text: str) -> str:
        return text.replace(prefix, "") if prefix != "/" else text

    out: list[str] = []
    add = out.append
    answers = plan.answers
    width = _label_width(answers.object_types)
    column = " " * (2 + width)

    def field(label: str, value: str) -> None:
        """`  label   value`, the value wrapped under its column."""
        out.extend(_wrap(value, f"  {label:<{width}}", column))

    add(_("{product} installation at {root}").format(product=inst.product, root=inst.root))
    compose = inst.compose_file.name if inst.compose_file else _("none found")
    command = (" ".join(inst.compose_command) if inst.compose_command
               else _("compose command unknown"))
    add(f"  {_('compose file'):<{width}}"
        + _("{file} (project {project}, {command})").format(file=compose, project=inst.project,
                                                            command=command))
    device = inst.device.upper()
    if inst.extraction_api_image:
        device = _("{device} (image {image})").format(device=device,
                                                      image=inst.extraction_api_image)
    add(f"  {_('device'):<{width}}{device}")
    models = [f"{t}: {m}" for t, m in inst.models.items()]
    field(_("models"), ", ".join(models) or _("none"))
    field(_("shards"), describe_shards(inst.shards))
    storage = inst.normalized_storage.type if inst.normalized_storage else _("unknown")
    add(f"  {_('storage'):<{width}}"
        + _("normalized images in {storage}").format(storage=storage))
    add(f"  {_('clustering'):<{width}}"
        + (_("enabled") if inst.clustering_enabled else _("disabled")))
    add("")
    add(_("Migration"))
    add(f"  {_('object types'):<{width}}" + (", ".join(answers.object_types) or _("none")))
    for kind in answers.object_types:
        label = _(MODEL_LABEL).format(kind=kind)
        add(f"  {label:<{width}}{inst.models.get(kind, '?')} → {answers.models.get(kind) or '?'}")
    if not models_listed and answers.object_types and "models" not in answers.given:
        out.extend(_wrap(_("(today's models, as the models the extraction service offers were "
                           "not listed: add --runtime {runtime}, or --available-models FILE, for "
                           "real proposals; or set models in the answers file)").format(
                             runtime=runtime_hint), column, column + " "))
    field(_("new shards"), describe_shards(plan.new_shards))
    add(f"  {_('backup to'):<{width}}{rel(str(answers.backup_dir))}"
        + ("" if answers.backup_dir.is_relative_to(plan.root)
           else " " + _("(outside the install root)")))
    add(f"  {_('workers'):<{width}}"
        + _("{workers}, objects limit {limit}, extraction batch {batch}").format(
            workers=answers.workers_num, limit=answers.objects_limit,
            batch=answers.extraction_batch_size))
    add(f"  {_('clusters'):<{width}}"
        + (_("migrated") if answers.migrate_clusters else _("not migrated")))
    paused = planned_pause(plan)
    field(_("intake"), _("paused: {services} stopped from the model switch to the sf-api "
                         "switch").format(services=", ".join(paused)) if paused
          else _("running: events that arrive during the copy are counted"))
    if reextract is not None:
        field(_("objects"), reextract_text(reextract.counts, reextract.why))
    field(_("window"), window_text(reextract))
    errors = [p for p in plan.problems if p.severity == "error"]
    others = len(plan.problems) - len(errors)
    if plan.problems:
        counts = [ngettext("{count} error", "{count} errors", len(errors)).format(
            count=len(errors))] if errors else []
        counts += [ngettext("{count} warning", "{count} warnings", others).format(
            count=others)] if others else []
        add(f"  {_('problems'):<{width}}"
            + _("{counts} (listed at the end)").format(counts=", ".join(counts)))
    add("")
    add(ngettext("Plan: {count} step (paths are relative to the install root; run the commands "
                 "from it)",
                 "Plan: {count} steps (paths are relative to the install root; run the commands "
                 "from it)", len(plan.steps)).format(count=len(plan.steps)))
    undo_prefix = "    " + _("undo: ")
    for number, step in enumerate(plan.steps, 1):
        add("")
        if step.point_of_no_return:
            add("  ──── " + _("point of no return: from here on, rollback is no longer possible")
                + " ────")
        undo = _("can be undone") if step.reversible else _("cannot be undone")
        add(f"{number:>2}. {step.title} [{step.id}] ({undo})")
        out.extend(_wrap(rel(step.explanation), "    ", "    "))
        for argv in step.commands:
            add("    $ " + rel(shlex.join(argv)))
        if step.undo:
            out.extend(_wrap(rel(step.undo), undo_prefix, " " * len(undo_prefix)))
        for change in step.changes:
            for line in change.diff().splitlines():
                add("    " + line)
    add("")
    if plan.problems:
        add(_("Problems"))
        for problem in sorted(plan.problems, key=lambda p: SEVERITY_ORDER.get(p.severity, 3)):
            where = f" ({rel(problem.where)})" if problem.where else ""
            shown = severity_word(problem.severity)
            out.extend(_wrap(f"{shown}: {rel(problem.message)}{where}", "  ", "    "))
        add("")
    if plan.blocked:
        if len(errors) == 1:
            add(_("The plan cannot run until the error above is fixed."))
        else:
            add(ngettext("The plan cannot run until the {count} error above is fixed.",
                         "The plan cannot run until the {count} errors above are fixed.",
                         len(errors)).format(count=len(errors)))
    elif answers.object_types and all(answers.models.get(kind) == inst.models.get(kind)
                                      for kind in answers.object_types):
        # A migration to the models in use today only re-extracts: not a plan to carry out.
        add(_("No new model is chosen: the plan would only re-extract every object with the "
              "model it has today."))
        if not models_listed:
            how = _("add --runtime {runtime} (or --available-models FILE) to have the models the "
                    "extraction service offers proposed, or set models in the answers "
                    "file.").format(runtime=runtime_hint)
        else:
            how = _("set models in the answers file (models: {{face: "
                    "face/<name>.{device}.fnk}}), or run 'ffwizard wizard' to pick them from "
                    "a list.").format(device=inst.device)
        out.extend(_wrap(_("Choose the new models: {how}").format(how=how), "  ", "  "))
    else:
        add(_("The plan can run. To carry it out step by step:"))
        given = str(answers_file) if answers_file is not None else "FILE"
        add("    $ " + shlex.join(["ffwizard", "apply", "--root", str(inst.root), "--answers",
                                   given]))
        if answers_file is None:
            out.extend(_wrap(_("FILE: a YAML file holding the answers above (object_types, "
                               "models, new_shards, backup_dir, migration, migrate_clusters)."),
                             "  ", "  "))
    return "\n".join(out) + "\n"
