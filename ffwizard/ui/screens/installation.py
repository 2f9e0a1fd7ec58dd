"""Step 2: what was detected, side by side where sources could disagree, and the preflight."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Label, Static

from ffwizard.core.installation import object_type_word, severity_word
from ffwizard.i18n import N_, NP_, _, ngettext, pgettext
from ffwizard.ui.palette import BAD, CAUTION, GOOD
from ffwizard.ui.screens.base import WizardScreen
from ffwizard.ui.screens.models import ModelsScreen
from ffwizard.ui.widgets.columns import ColumnsText

# The display words of problem severities and service states (the codes stay English).
# A run's or a step's "running" is said in other words, too wide for this column: a service's
# states have a context of their own.
# TRANSLATORS: a service (container) state in a table column: 10 letters at most.
STATE_WORDS = {"running": NP_("service state", "running"),
               "restarting": NP_("service state", "restarting"),
               "exited": NP_("service state", "exited"), "created": NP_("service state", "created"),
               "missing": NP_("service state", "missing")}
SEVERITY_STYLE = {"error": BAD, "warning": "$text-warning", "info": "$text-muted"}
STATE_STYLE = {"running": GOOD, "missing": BAD}


def state_word(state: str) -> str:
    """A service state's display word (the state code itself when it has none)."""
    if state not in STATE_WORDS:
        return state
    return pgettext(*STATE_WORDS[state])


def shard_rows(installation) -> tuple[Content, int]:
    """The shards as each source sees them; rows where sources disagree are highlighted."""
    # TRANSLATORS: column heads of the shard table; each must fit its column (11, 9, 17, 7).
    columns = (_("shard"), _("data dir"), _("compose service"), _("port"), _("sf-api master URL"))
    head = "  {0:<11}{1:<9}{2:<17}{3:<7}{4}".format(*columns)
    # TRANSLATORS: a source of the shard table does not know this shard (9 columns at most).
    missing = _("— missing")
    present = _("yes")
    parts: list = [(head + "\n", "bold")]
    disagreements = 0
    for shard in installation.shards:
        in_dir = "dir" in shard.sources
        in_compose = "compose" in shard.sources
        in_sf = "sf-api" in shard.sources
        url_port = None
        if shard.url:
            tail = shard.url.split("://", 1)[-1].split("/", 1)[0]
            url_port = int(tail.rsplit(":", 1)[1]) if ":" in tail and tail.rsplit(":", 1)[1].isdigit() else None
        ports_differ = in_compose and in_sf and url_port is not None and url_port != shard.http_port
        bad = not (in_dir and in_compose and in_sf) or ports_differ
        disagreements += bad
        service = (shard.service or "").removeprefix("findface-tarantool-server-")
        if len(service) > 16:
            service = service[:15] + "…"
        compose = f"{service:<17}{shard.http_port or '':<7}" if in_compose else f"{missing:<24}"
        line = (f"{shard.name:<11}{(present if in_dir else missing):<9}{compose}"
                f"{shard.url if in_sf else missing}")
        if bad:
            parts.append(("! " + line + "\n", "bold $text-warning"))
        else:
            parts.append("  " + line + "\n")
    return Content.assemble(*parts).rstrip(), disagreements


class InstallationScreen(WizardScreen):
    STEP = 1
    TITLE_TEXT = N_("Installation")
    HELP = N_("What ffwizard found, read-only. Shards are counted from three sources (data "
              "directories, the compose file, sf-api's config); a highlighted row means they "
              "disagree and must be fixed first. The checklist says whether the installation is "
              "ready to migrate.")

    def compose_body(self) -> ComposeResult:
        detection = self.app.state.detection
        inst = detection.installation
        yield Static(_("What was found"), classes="screen-title")
        command = " ".join(inst.compose_command or ["docker", "compose"])
        facts = [
            (_("Install root"), str(inst.root)),
            (_("Compose"), _("project {project}, {command}, {file}").format(
                project=inst.project, command=command, file=inst.compose_file.name)),
            (_("Extraction"), f"{inst.device.upper()} ({inst.extraction_api_service})"),
            (_("Models"), ", ".join(f"{object_type_word(k)}: {m}" for k, m in inst.models.items() if m)
             or _("none")),
            (_("Normalized images"), self.storage_text(inst)),
            (_("Clustering"), _("enabled") if inst.clustering_enabled else _("disabled")),
        ]
        with Vertical(id="facts", classes="para"):
            for label, value in facts:
                with Horizontal(classes="fact"):
                    yield Label(label, classes="field-label fact-label")
                    yield Static(value, classes="fact-value")
        rows, disagreements = shard_rows(inst)
        count = len(inst.shards)
        if disagreements:
            heading = ngettext("Shards: {count} — the sources disagree on {disagreements}",
                               "Shards: {count} — the sources disagree on {disagreements}",
                               disagreements)
        else:
            heading = _("Shards: {count} — the three sources agree")
        yield Static(heading.format(count=count, disagreements=disagreements), classes="section")
        yield Static(rows, id="shards", classes="table")
        yield Static(_("Services"), classes="section")
        yield Static(self.services_text(detection.services), id="services", classes="table")
        if inst.problems or detection.proposal_problems:
            yield Static(_("Problems"), classes="section")
            yield Static(Content.assemble(*[
                (f"{severity_word(p.severity)}: {p}\n",
                 SEVERITY_STYLE.get(p.severity, ""))
                for p in list(inst.problems) + list(detection.proposal_problems)]).rstrip(),
                id="problems")
        yield Static(_("Ready to migrate?"), classes="section")
        yield Static(Content.assemble(*[
            (("! " if c.warning else "✓ " if c.ok else "✗ ") + c.message + "\n",
             CAUTION if c.warning else GOOD if c.ok else f"bold {BAD}")
            for c in detection.checks]).rstrip(),
            id="checks")

    @staticmethod
    def storage_text(inst) -> str:
        storage = inst.normalized_storage
        if storage is None:
            return _("not configured")
        public = storage.public()
        where = public.get("webdav_upload_url") if storage.type == "webdav" else (
            public["s3"].get("endpoint") or "s3")
        if storage.enabled:
            return f"{storage.type} {where}"
        return _("{type} {where} (disabled)").format(type=storage.type, where=where)

    @staticmethod
    def services_text(services: dict) -> ColumnsText:
        """One item per service (its dot, name and state word), in columns that fit."""
        names = sorted(services)
        width = max((len(name.removeprefix("findface-")) for name in names), default=0)
        items = []
        for name in names:
            state = services[name].state
            items.append(Content.assemble(
                ("● " if state == "running" else "○ ", STATE_STYLE.get(state, "$text-warning")),
                f"{name.removeprefix('findface-'):<{width}} {state_word(state)}"))
        return ColumnsText(items)

    def on_mount(self) -> None:
        detection = self.app.state.detection
        blocking = detection.installation.blocking
        failed = [c for c in detection.checks if not c.ok]
        if blocking:
            self.query_one("#next").disabled = True
            self.say(_("This installation cannot be migrated as it is: see Problems."), error=True)
        elif failed:
            self.say(_("{count} check(s) failed: fix them before running (you may look "
                       "ahead).").format(count=len(failed)), error=True)

    def go_next(self) -> None:
        self.app.push_screen(ModelsScreen())
