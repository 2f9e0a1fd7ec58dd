"""The plan: pure data built from the detected installation and the resolved answers.

Every step says what it runs (display argv lists), which files it writes (before/after text, so a
unified diff can be shown before anything is written), whether it can be undone and how, and what
the executor needs (`params`). The review screen, `ffwizard plan`, the executor and the report all
read this same structure.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ffwizard.core.answers import Answers
from ffwizard.core.compose import compose_argv
from ffwizard.core.installation import Installation, Problem, Shard, shard_public_dict
from ffwizard.i18n import N_, NP_, _, ngettext, pgettext

BACKUP_CONTAINER_DIR = "/ffmulti_dump"
DUMP_ARGV = ["/storage-api-dump", "-config", "/etc/findface-sf-api.ini"]
SHARD_SUBDIRS = ["index", "snapshots", "xlogs"]
MIGRATE_ARGV = ["./sf-api-migrate", "-config", "/migration.yaml"]
CLUSTERS_ARGV = ["/opt/findface-security/bin/python3", "/tigre_prototype/manage.py",
                 "migrate_clusters"]
CLUSTERS_FLAGS = ["--use-best-event", "--use-thumbnail", "--force-clustering"]

STEP_IDS = ("backup", "create_shard_dirs", "switch_model", "add_new_shards",
            "write_migration_config", "run_migration", "verify_copy", "remove_old_shards",
            "switch_sf_api", "migrate_clusters", "verify_final")

# Step titles by id: shown in the current language wherever a step is named (a run's journal
# and JSON plan keep the title of the language the plan was made in).
STEP_TITLES = {
    "backup": N_("Back up the feature-vector database"),
    "create_shard_dirs": N_("Create the new shards' data directories"),
    "switch_model": N_("Switch the extraction model"),
    "add_new_shards": N_("Add the new shard services"),
    "write_migration_config": N_("Write the migration settings"),
    "run_migration": N_("Re-extract every object into the new shards"),
    "verify_copy": N_("Check the copy"),
    "remove_old_shards": N_("Stop the old shard services"),
    "switch_sf_api": N_("Point sf-api at the new shards"),
    "migrate_clusters": N_("Migrate the clusters"),
    "verify_final": N_("Check the result"),
}

# TRANSLATORS: the same steps, named in the run screen's step list: 25 characters at most.
STEP_SHORT_TITLES = {
    "backup": NP_("step list", "Back up the database"),
    "create_shard_dirs": NP_("step list", "Create shard directories"),
    "switch_model": NP_("step list", "Switch the model"),
    "add_new_shards": NP_("step list", "Add the new shards"),
    "write_migration_config": NP_("step list", "Write migration settings"),
    "run_migration": NP_("step list", "Re-extract all objects"),
    "verify_copy": NP_("step list", "Check the copy"),
    "remove_old_shards": NP_("step list", "Stop the old shards"),
    "switch_sf_api": NP_("step list", "sf-api to the new shards"),
    "migrate_clusters": NP_("step list", "Migrate the clusters"),
    "verify_final": NP_("step list", "Check the result"),
}
SHORT_TITLE_WIDTH = 25

# Values of these keys are masked in diffs of secret files, in block and flow style alike.
SECRET_VALUE = re.compile(
    r"""(?P<key>['"]?(?:access-key|secret-access-key|access_key|secret_key)['"]?\s*:[ \t]*)"""
    r"""(?P<value>'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^,}\]\s#][^,}\]#\n]*)""")
MASK = "'***'"


def mask_secrets(text: str) -> str:
    """Replace the non-empty values of s3 credentials in YAML text by a mask."""

    def masked(match: re.Match) -> str:
        raw = match.group("value")
        value = raw.rstrip()
        if value in ("''", '""', ""):
            return match.group(0)
        return match.group("key") + MASK + raw[len(value):]

    return SECRET_VALUE.sub(masked, text)


def _title_for(step_id: str) -> str:
    return _(STEP_TITLES[step_id])


def step_title(step) -> str:
    """A step's title in the current language, by its id; `step.title` for an id we do not know.
    `step` is a Step or anything with `id` and `title` (a journal entry, a dict from JSON)."""
    if isinstance(step, dict):
        step_id, title = step.get("id"), step.get("title", "")
    else:
        step_id, title = getattr(step, "id", None), getattr(step, "title", "")
    message = STEP_TITLES.get(step_id)
    return _(message) if message else (title or str(step_id or ""))


def step_short_title(step) -> str:
    """A step's name where room is short (a list beside the output): at most 25 characters."""
    step_id = step.get("id") if isinstance(step, dict) else getattr(step, "id", None)
    marked = STEP_SHORT_TITLES.get(step_id)
    title = pgettext(*marked) if marked else step_title(step)
    return title if len(title) <= SHORT_TITLE_WIDTH else title[:SHORT_TITLE_WIDTH - 1] + "…"


@dataclass(frozen=True)
class FileChange:
    path: Path  # absolute host path of the file
    before: str | None  # current text (None: the file does not exist yet)
    after: str  # the text after the step
    mode: int | None = None  # mode for new files; None: keep the file's (0o644 for new ones)
    secret: bool = False  # the diff masks secrets
    root: Path | None = None  # labels are relative to it when the path lies under it

    @property
    def label(self) -> str:
        if self.root is not None:
            try:
                return str(self.path.relative_to(self.root))
            except ValueError:
                pass
        return str(self.path).lstrip("/")

    def diff(self) -> str:
        before = self.before or ""
        after = self.after
        if self.secret:
            before, after = mask_secrets(before), mask_secrets(after)
        from_label = f"a/{self.label}" if self.before is not None else "/dev/null"
        lines = difflib.unified_diff(before.splitlines(keepends=True),
                                     after.splitlines(keepends=True),
                                     fromfile=from_label, tofile=f"b/{self.label}")
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    explanation: str
    commands: list[list[str]]
    changes: list[FileChange]
    reversible: bool
    undo: str
    point_of_no_return: bool = False
    params: dict = field(default_factory=dict)

    def to_json_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "explanation": self.explanation,
            "commands": [list(c) for c in self.commands],
            "diffs": {str(c.path): c.diff() for c in self.changes},
            "reversible": self.reversible,
            "undo": self.undo,
            "point_of_no_return": self.point_of_no_return,
            "params": self.params,
        }


@dataclass
class Plan:
    installation: Installation
    answers: Answers
    new_shards: list[Shard]
    steps: list[Step]
    problems: list[Problem]
    run_dir: Path

    @property
    def blocked(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def step(self, id: str) -> Step:
        for step in self.steps:
            if step.id == id:
                return step
        raise KeyError(id)

    def to_json_dict(self) -> dict:
        answers = self.answers.to_dict()
        return {
            "installation": self.installation.to_public_dict(),
            "answers": answers,
            "new_shards": [shard_public_dict(s) for s in self.new_shards],
            "run_dir": str(self.run_dir),
            "steps": [s.to_json_dict() for s in self.steps],
            "problems": [asdict(p) for p in self.problems],
            "blocked": self.blocked,
        }


# --- building ----------------------------------------------------------------------------------

def shard_url(shard: Shard) -> str:
    """The base URL of a shard's HTTP API (`http://127.0.0.1:8101/`)."""
    return f"http://{shard.http_host}:{shard.http_port}/"


def new_shards_from_specs(installation: Installation, answers: Answers) -> list[Shard]:
    from ffwizard.core.shards import new_shard_from_spec

    return [new_shard_from_spec(installation, spec) for spec in answers.new_shards]


def build_plan(installation: Installation, answers: Answers, *, run_dir: Path | None = None,
               problems: list[Problem] | None = None) -> Plan:
    """The whole plan. `problems`: those found while resolving the answers (added to detection's).

    File changes are computed even when a problem blocks the plan, as far as the inputs allow,
    so the user sees what would happen.
    """
    from ffwizard.core import compose, configs

    inst = installation
    root = inst.root
    run_dir = run_dir or root / ".ffwizard" / "run"
    all_problems = list(inst.problems) + list(problems or [])
    new_shards = new_shards_from_specs(inst, answers)
    old_shards = list(inst.shards)
    compose_cmd = compose_base(inst)
    sf_api = inst.sf_api_service
    sf_container = inst.container_name(sf_api)
    old_urls = [shard_url(s) for s in old_shards if s.http_port]
    new_urls = [shard_url(s) for s in new_shards]
    steps: list[Step] = []
    edit_problems: list[Problem] = []

    def change(path: Path, before, after, **kw) -> FileChange:
        return FileChange(path=path, before=before, after=after, root=root, **kw)

    # 1. backup
    host_dir = Path(answers.backup_dir)
    steps.append(Step(
        id="backup",
        title=_title_for("backup"),
        explanation=_("Dump every gallery of every shard with the vendor's storage-api-dump tool "
                      "inside the sf-api container, then copy the dump to the host. It is the way "
                      "back should anything go wrong; it is never deleted by ffwizard."),
        commands=[
            ["docker", "exec", sf_container, "mkdir", "-p", BACKUP_CONTAINER_DIR],
            ["docker", "exec", "-w", BACKUP_CONTAINER_DIR, sf_container, *DUMP_ARGV],
            ["docker", "cp", f"{sf_container}:{BACKUP_CONTAINER_DIR}/.", str(host_dir)],
        ],
        changes=[],
        reversible=True,
        undo="",
        params={"service": sf_api, "container_dir": BACKUP_CONTAINER_DIR,
                "dump_argv": list(DUMP_ARGV), "host_dir": str(host_dir)},
    ))

    # 2. create_shard_dirs
    new_dirs = [s.data_dir for s in new_shards if s.data_dir]
    like = next((s.data_dir for s in old_shards if s.data_dir and "dir" in s.sources), None) \
        or next((s.data_dir for s in old_shards if s.data_dir), None)
    steps.append(Step(
        id="create_shard_dirs",
        title=_title_for("create_shard_dirs"),
        explanation=ngettext(
            "Create {count} empty data directory with index/, snapshots/ and xlogs/, with the "
            "owner and mode of the existing shards. The new shards must start empty.",
            "Create {count} empty data directories, each with index/, snapshots/ and xlogs/, "
            "with the owner and mode of the existing shards. The new shards must start empty.",
            len(new_dirs)).format(count=len(new_dirs)),
        commands=[["mkdir", "-p", *[f"{d}/{sub}" for sub in SHARD_SUBDIRS]] for d in new_dirs],
        changes=[],
        reversible=True,
        undo=_("Remove the directories ffwizard created, if they hold nothing but the three "
               "empty subdirectories."),
        params={"dirs": new_dirs, "subdirs": list(SHARD_SUBDIRS), "like": like},
    ))

    # 3. switch_model
    extraction = inst.extraction_api_service
    model_changes = []
    try:
        ex_path = root / configs.EXTRACTION_API_CONFIG
        before, after = configs.switch_models(ex_path, answers.models)
        model_changes.append(change(ex_path, before, after))
    except configs.EditError as err:
        edit_problems.append(err.problem)
    names = ", ".join(f"{t} → {answers.models[t]}" for t in answers.object_types)
    steps.append(Step(
        id="switch_model",
        title=_title_for("switch_model"),
        explanation=" ".join([
            _("Set the default embedding model of each migrated object type ({names}) in the "
              "extraction-api config and restart the extraction service.").format(names=names),
            *([_("A GPU model's first start can take minutes while it builds its cache.")]
              if inst.device == "gpu" else []),
            _("Until sf-api is switched to the new shards, new events still go to the old ones: "
              "pause video processing if you can.")]),
        commands=[[*compose_cmd, "restart", extraction]],
        changes=model_changes,
        reversible=True,
        undo=_("Restore the extraction-api config from its backup and restart the service."),
        params={"service": extraction, "health_url": inst.extraction_api_url},
    ))

    # 4. add_new_shards and 8. remove_old_shards: one compose document, edited twice.
    add_changes, remove_changes = [], []
    if inst.compose_file is not None:
        try:
            edited = compose.ComposeEdit(inst.compose_file)
            added = edited.add_shard_services(old_shards, new_shards)
            add_changes.append(change(inst.compose_file, edited.original, added))
            removed = edited.remove_services([s.service for s in old_shards if s.service])
            remove_changes.append(change(inst.compose_file, added, removed))
        except configs.EditError as err:
            edit_problems.append(err.problem)
    new_services = [s.service for s in new_shards]
    steps.append(Step(
        id="add_new_shards",
        title=_title_for("add_new_shards"),
        explanation=ngettext(
            "Add {count} shard service to the compose file, copied from an existing one with a "
            "new name, ports and data directory, and start it. Old shards keep running untouched.",
            "Add {count} shard services to the compose file, copied from an existing one with new "
            "names, ports and data directories, and start them. Old shards keep running untouched.",
            len(new_shards)).format(count=len(new_shards)),
        commands=[[*compose_cmd, "up", "-d"]],
        changes=add_changes,
        reversible=True,
        undo=_("Restore the compose file from its backup and remove the new shard services."),
        params={"services": new_services,
                "health_urls": [f"{u}v2/status" for u in new_urls]},
    ))

    # 5. write_migration_config
    migration_path = run_dir / "migration.yaml"
    migration_text = configs.migration_yaml(inst, answers, old_shards, new_shards)
    steps.append(Step(
        id="write_migration_config",
        title=_title_for("write_migration_config"),
        explanation=_("Write migration.yaml (old shards, new shards, extraction service, "
                      "normalized storage, workers) readable by root only, and copy it into the "
                      "sf-api container for the migration tool."),
        commands=[["docker", "cp", str(migration_path), f"{sf_container}:/"]],
        changes=[change(migration_path, None, migration_text, mode=0o600, secret=True)],
        reversible=True,
        undo=_("Nothing to undo: the file only describes the migration."),
        params={"service": sf_api, "host_path": str(migration_path), "container_dir": "/"},
    ))

    # 6. run_migration
    steps.append(Step(
        id="run_migration",
        title=_title_for("run_migration"),
        explanation=_("Run the vendor's sf-api-migrate tool in the sf-api container: it reads "
                      "each object's normalized image, extracts a new vector with the new model "
                      "and writes it to the new shards. It can run for hours; it runs detached, "
                      "so a dropped SSH session does not stop it."),
        commands=[["docker", "exec", "-w", "/", sf_container, *MIGRATE_ARGV]],
        changes=[],
        reversible=True,
        undo=_("The new shards are removed with their services; the old data is untouched."),
        params={"service": sf_api, "argv": list(MIGRATE_ARGV), "workdir": "/",
                "old_shard_urls": old_urls, "new_shard_urls": new_urls,
                "object_types": list(answers.object_types)},
    ))

    # 7. verify_copy
    steps.append(Step(
        id="verify_copy",
        title=_title_for("verify_copy"),
        explanation=_("Compare, gallery by gallery, the number of objects in the new shards "
                      "with the old ones, and check the new shards are healthy. A mismatch stops "
                      "here."),
        commands=[],
        changes=[],
        reversible=True,
        undo="",
        params={"old_shard_urls": old_urls, "new_shard_urls": new_urls},
    ))

    # 8. remove_old_shards
    old_services = [s.service for s in old_shards if s.service]
    steps.append(Step(
        id="remove_old_shards",
        title=_title_for("remove_old_shards"),
        explanation=_("Remove the old shard services from the compose file and stop their "
                      "containers. Their data directories stay on disk: they are the way back."),
        commands=[[*compose_cmd, "up", "-d", "--remove-orphans"]],
        changes=remove_changes,
        reversible=True,
        undo=_("Restore the compose file from its backup and start the old shards again."),
        params={"services": old_services},
    ))

    # 9. switch_sf_api
    sf_changes = []
    try:
        sf_path = root / configs.SF_API_CONFIG
        before, after = configs.switch_sf_api_shards(sf_path, new_shards)
        # sf-api's config holds the s3 keys: its diff's context lines could show them.
        sf_changes.append(change(sf_path, before, after, secret=True))
    except configs.EditError as err:
        edit_problems.append(err.problem)
    steps.append(Step(
        id="switch_sf_api",
        title=_title_for("switch_sf_api"),
        explanation=_("Replace the shard list in the sf-api config with the new shards and "
                      "restart sf-api. From here on the system serves the new vectors: new events "
                      "go to the new shards, so there is no automatic way back."),
        commands=[[*compose_cmd, "restart", sf_api]],
        changes=sf_changes,
        reversible=False,
        undo="",
        point_of_no_return=True,
        params={"service": sf_api, "health_url": inst.sf_api_url.rstrip("/") + "/v2/galleries"},
    ))

    # 10. migrate_clusters
    if answers.migrate_clusters:
        legacy = inst.legacy_service
        argv = [*CLUSTERS_ARGV, *[f"--{t}" for t in answers.object_types], *CLUSTERS_FLAGS]
        steps.append(Step(
            id="migrate_clusters",
            title=_title_for("migrate_clusters"),
            explanation=_("Regenerate the vectors of cluster events with the new model and "
                          "re-run clustering, with the application's migrate_clusters command."),
            commands=[["docker", "exec", inst.container_name(legacy), *argv]],
            changes=[],
            reversible=False,
            undo="",
            params={"service": legacy, "argv": argv},
        ))

    # 11. verify_final
    steps.append(Step(
        id="verify_final",
        title=_title_for("verify_final"),
        explanation=_("Check the new shards are healthy, sf-api answers, and the object counts "
                      "still match those found after the copy."),
        commands=[],
        changes=[],
        reversible=False,
        undo="",
        params={"new_shard_urls": new_urls, "sf_api_url": inst.sf_api_url,
                "old_counts_from": "verify_copy"},
    ))

    # A file detection already found broken is reported once.
    reported = {(p.where or "").split(":")[0] for p in all_problems if p.severity == "error"}
    edit_problems = [p for p in edit_problems if (p.where or "").split(":")[0] not in reported]
    return Plan(installation=inst, answers=answers, new_shards=new_shards, steps=steps,
                problems=all_problems + edit_problems, run_dir=run_dir)


def compose_base(inst: Installation) -> list[str]:
    compose_file = str(inst.compose_file) if inst.compose_file else "docker-compose.yaml"
    return compose_argv(inst.compose_command, inst.project, compose_file)


def plan_installation(root: Path | str, raw_answers: dict | None = None, *,
                      available_models: list[str] | None = None, answers_source: str = "answers",
                      run_dir: Path | None = None) -> Plan:
    """Detect, resolve the answers and build the plan: the one call a front end needs."""
    from ffwizard.core.answers import resolve_answers
    from ffwizard.core.detect import detect

    installation = detect(Path(root))
    answers, problems = resolve_answers(installation, raw_answers, available_models,
                                        source=answers_source)
    return build_plan(installation, answers, run_dir=run_dir, problems=problems)
