"""The user's answers: read from an answers file (or the wizard's screens), completed with proposals.

`load_answers` reads the YAML file into a plain dict; `resolve_answers` checks every value against
the detected installation, fills what is missing with the proposals and returns the problems found.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ffwizard.core.errors import UserError
from ffwizard.core.installation import (
    OBJECT_TYPES,
    Installation,
    Problem,
    ShardSpec,
    did_you_mean,
)
from ffwizard.core.models import propose_models, validate_models
from ffwizard.core.shards import PortProbe, propose_new_shards, validate_new_shards
from ffwizard.core.video import intake_services
from ffwizard.core.yamlio import read_text, read_yaml_file
from ffwizard.i18n import N_, _

__all__ = ["Answers", "ShardSpec", "load_answers", "resolve_answers"]

# The vendor's defaults for sf-api-migrate (seed page).
DEFAULT_WORKERS_NUM = 3
DEFAULT_OBJECTS_LIMIT = 1000
DEFAULT_EXTRACTION_BATCH_SIZE = 8
DEFAULT_BACKUP_DIR = Path("backups/ffmulti_dump")  # relative to the install root

ANSWER_KEYS = ("object_types", "models", "new_shards", "backup_dir", "migration",
               "migrate_clusters", "pause_intake")
MIGRATION_KEYS = ("workers_num", "objects_limit", "extraction_batch_size")
# Upper bounds of the migration tool's settings: far above any sane value, low enough that a
# typo (99999999999999999999 workers) is refused instead of making the tool wait forever.
MIGRATION_MAXIMUM = {"workers_num": 256, "objects_limit": 100_000, "extraction_batch_size": 1024}
SHARD_SPEC_KEYS = ("name", "http_port", "tarantool_port")
ANSWERS_FILE = N_("answers file")


@dataclass
class Answers:
    """The migration's answers, checked and completed with the proposals."""

    object_types: list[str]
    models: dict[str, str]  # object type -> new model file (relative to models_root)
    new_shards: list[ShardSpec]
    backup_dir: Path
    workers_num: int = DEFAULT_WORKERS_NUM
    objects_limit: int = DEFAULT_OBJECTS_LIMIT
    extraction_batch_size: int = DEFAULT_EXTRACTION_BATCH_SIZE
    migrate_clusters: bool = False
    pause_intake: bool = False  # stop the video pipeline from the model switch to the sf-api one
    # Which values the user gave (the rest are proposals): shown in the review.
    given: tuple[str, ...] = field(default=())

    def migration_settings(self) -> dict[str, int]:
        """The migration tool's settings, as the answers file's `migration:` gives them."""
        return {"workers_num": self.workers_num, "objects_limit": self.objects_limit,
                "extraction_batch_size": self.extraction_batch_size}

    def to_dict(self) -> dict[str, object]:
        """The answers-file form of these answers (round-trips through `resolve_answers`)."""
        return {
            "object_types": list(self.object_types),
            "models": dict(self.models),
            "new_shards": [s.to_dict() for s in self.new_shards],
            "backup_dir": str(self.backup_dir),
            "migration": self.migration_settings(),
            "migrate_clusters": self.migrate_clusters,
            "pause_intake": self.pause_intake,
        }


def load_answers(path: Path | str) -> AnswersDict:
    """Read an answers file. Raises UserError naming the file (and line) when it cannot be used."""
    path = Path(path)
    data = read_yaml_file(path, what=ANSWERS_FILE)
    if data is None:
        return AnswersDict()
    if not isinstance(data, dict):
        raise UserError(_("the answers file must be a mapping of keys (object_types, models, "
                          "new_shards, ...), not a {type}.").format(type=type(data).__name__),
                        where=str(path))
    answers = AnswersDict(data)
    text = read_text(path, what=ANSWERS_FILE)
    answers.lines = top_level_lines(text)
    answers.item_lines = block_item_lines(text, answers.lines.get("new_shards"))
    return answers


class AnswersDict(dict[str, object]):
    """The answers file's mapping, with the line of each top-level key and of each block-style
    `new_shards` item (for messages)."""

    lines: dict[str, int] = {}
    item_lines: list[int] = []


def block_item_lines(text: str, key_line: int | None) -> list[int]:
    """Lines of the `- ` items of the block list under the top-level key at `key_line`."""
    if key_line is None:
        return []
    found: list[tuple[int, int]] = []
    for number, line in enumerate(text.splitlines()[key_line:], key_line + 1):
        if line.strip() and not line[0].isspace() and not line.startswith(("-", "#")):
            break  # the next top-level key
        match = re.match(r"^(\s*)- ", line)
        if match:
            found.append((len(match.group(1)), number))
    if not found:
        return []
    indent = min(i for i, _ in found)
    return [number for i, number in found if i == indent]


def top_level_lines(text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"""^['"]?([^\s'":#][^'":]*?)['"]?\s*:(?:\s|$)""", line)
        if match and match.group(1) not in found:
            found[match.group(1)] = number
    return found


def resolve_answers(installation: Installation, raw: Mapping[str, object] | None,
                    available_models: list[str] | None = None,
                    *, source: str | None = "answers",
                    port_in_use: PortProbe | None = None) -> tuple[Answers, list[Problem]]:
    """Check the raw answers and complete them with proposals.

    `available_models`: the model files the extraction service offers (None: unknown).
    `source` names the answers file in problem messages (None: no file, proposals only).
    `port_in_use`: which ports of this host another program holds (None: not asked); the new
    shards' ports are checked against it.
    """
    lines = getattr(raw, "lines", {}) or {}
    item_lines = getattr(raw, "item_lines", []) or []
    raw = dict(raw or {})
    problems: list[Problem] = []

    def at(key: str | None) -> str | None:
        if source is None:
            return None
        return f"{source}:{lines[key]}" if key in lines else source

    def item_at(index: int) -> str | None:
        """Where the `index`-th (0-based) new_shards item is: its line, else the key's."""
        if source is not None and index < len(item_lines):
            return f"{source}:{item_lines[index]}"
        return at("new_shards")

    def error(message: str, key: str | None = None) -> None:
        problems.append(Problem("error", message, where=at(key)))

    for key in raw:
        if key not in ANSWER_KEYS:
            error(_("unknown key '{key}'.{did_you_mean} Known keys: {keys}.").format(
                key=key, did_you_mean=did_you_mean(key, ANSWER_KEYS), keys=", ".join(ANSWER_KEYS)),
                key)

    configured = [t for t in OBJECT_TYPES if installation.models.get(t)]
    given: list[str] = [k for k in raw if k in ANSWER_KEYS]

    # object_types
    object_types = configured
    if "object_types" in raw:
        value = raw["object_types"]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            error(_("object_types must be a non-empty list of face, body, car."), "object_types")
        else:
            chosen = []
            for item in value:
                if item not in OBJECT_TYPES:
                    error(_("unknown object type '{item}'.{did_you_mean} Object types: face, "
                            "body, car.").format(item=item,
                                                 did_you_mean=did_you_mean(item, OBJECT_TYPES)),
                          "object_types")
                elif item not in installation.models:
                    error(_("object type '{item}' has no extraction model configured in this "
                            "installation, so it has nothing to migrate.").format(item=item),
                          "object_types")
                elif item not in chosen:
                    chosen.append(item)
            object_types = [t for t in OBJECT_TYPES if t in chosen]

    # models
    proposed = propose_models(installation, object_types, available_models)
    models = dict(proposed)
    if "models" in raw:
        value = raw["models"]
        if not isinstance(value, dict):
            error(_("models must map an object type to a model file, e.g. "
                    "{face: face/<name>.gpu.fnk}."), "models")
        else:
            for kind, model in value.items():
                if kind not in OBJECT_TYPES:
                    error(_("models: unknown object type '{kind}'.{did_you_mean}").format(
                        kind=kind, did_you_mean=did_you_mean(kind, OBJECT_TYPES)), "models")
                elif kind not in object_types:
                    problems.append(Problem(
                        "warning", _("models: a model is given for '{kind}', which is not "
                                     "migrated (not in object_types); it is ignored.").format(
                                         kind=kind),
                        where=at("models")))
                else:
                    models[kind] = str(model) if model is not None else ""
    # a proposal is no line of the answers file: only given models are located there
    problems += validate_models(installation, {t: models.get(t, "") for t in object_types},
                                available_models, where=at("models") if "models" in raw else None)
    models = {t: models.get(t, "") for t in object_types}

    # new_shards
    new_shards: list[ShardSpec] = []
    value = raw.get("new_shards", "auto")
    if value == "auto" or value is None:
        new_shards, shard_problems = propose_new_shards(installation, port_in_use)
        problems += shard_problems
    elif isinstance(value, list):
        specs, parse_problems = _parse_shard_specs(value, item_at)
        problems += parse_problems
        if not parse_problems:
            problems += validate_new_shards(installation, specs, where=at("new_shards"),
                                            item_where=[item_at(i) for i in range(len(specs))],
                                            port_in_use=port_in_use)
        new_shards = specs
    else:
        error(_("new_shards must be 'auto' or a list of {name, http_port, tarantool_port}."),
              "new_shards")

    # backup_dir
    backup_dir = installation.root / DEFAULT_BACKUP_DIR
    if "backup_dir" in raw:
        value = raw["backup_dir"]
        if not isinstance(value, str) or not value.strip():
            error(_("backup_dir must be a directory path."), "backup_dir")
        else:
            path = Path(value).expanduser()
            backup_dir = path if path.is_absolute() else installation.root / path
            blocker = next((p for p in (backup_dir, *backup_dir.parents)
                            if p.exists() and not p.is_dir()), None)
            # A dump outside the root only where the user named it outright, not by "../".
            resolved = Path(os.path.normpath(backup_dir))
            if not path.is_absolute() and not resolved.is_relative_to(
                    Path(os.path.normpath(installation.root))):
                error(_("backup_dir {given} is outside the install root {root}: give it as an "
                        "absolute path ({path}) if the dump is to go there.").format(
                            given=value, root=installation.root, path=resolved), "backup_dir")
            elif blocker is not None:
                error(_("backup_dir {path} cannot be a directory: {blocker} is a file. Give a "
                        "directory (it is created if missing).").format(path=backup_dir,
                                                                        blocker=blocker),
                      "backup_dir")

    # migration settings
    settings = {"workers_num": DEFAULT_WORKERS_NUM, "objects_limit": DEFAULT_OBJECTS_LIMIT,
                "extraction_batch_size": DEFAULT_EXTRACTION_BATCH_SIZE}
    if "migration" in raw:
        value = raw["migration"]
        if not isinstance(value, dict):
            error(_("migration must be a mapping with workers_num, objects_limit, "
                    "extraction_batch_size."), "migration")
        else:
            for key, item in value.items():
                if key not in MIGRATION_KEYS:
                    error(_("migration: unknown key '{key}'.{did_you_mean}").format(
                        key=key, did_you_mean=did_you_mean(key, MIGRATION_KEYS)), "migration")
                elif isinstance(item, bool) or not isinstance(item, int) or item < 1:
                    error(_("migration: {key} must be a whole number of at least 1, not "
                            "{value}.").format(key=key, value=repr(item)), "migration")
                elif item > MIGRATION_MAXIMUM[key]:
                    error(_("migration: {key} must be at most {maximum}, not {value}.").format(
                        key=key, maximum=MIGRATION_MAXIMUM[key], value=repr(item)), "migration")
                else:
                    settings[key] = item

    # migrate_clusters
    migrate_clusters = installation.clustering_enabled
    if "migrate_clusters" in raw:
        value = raw["migrate_clusters"]
        if not isinstance(value, bool):
            error(_("migrate_clusters must be true or false, not {value}.").format(
                value=repr(value)), "migrate_clusters")
        else:
            migrate_clusters = value
            if value and not installation.clustering_enabled:
                problems.append(Problem(
                    "warning", _("migrate_clusters is true but clustering looks disabled in "
                                 "this installation; the cluster step will run anyway."),
                    where=at("migrate_clusters")))

    # pause_intake: on by default where a video pipeline produces events
    video = intake_services(installation)
    pause_intake = bool(video)
    if "pause_intake" in raw:
        value = raw["pause_intake"]
        if not isinstance(value, bool):
            error(_("pause_intake must be true or false, not {value}.").format(
                value=repr(value)), "pause_intake")
        elif value and not video:
            problems.append(Problem(
                "warning", _("pause_intake is true but the compose file has no video service "
                             "(video-worker, video-manager) to pause; nothing is paused."),
                where=at("pause_intake")))
        else:
            pause_intake = value

    answers = Answers(object_types=object_types, models=models, new_shards=new_shards,
                      backup_dir=backup_dir, migrate_clusters=migrate_clusters,
                      pause_intake=pause_intake, given=tuple(given), **settings)
    return answers, problems


def _parse_shard_specs(items: list[object], where_of: Callable[[int], str | None]
                       ) -> tuple[list[ShardSpec], list[Problem]]:
    """`where_of(index)` locates the index-th (0-based) item for messages."""
    specs: list[ShardSpec] = []
    problems: list[Problem] = []
    for index, item in enumerate(items, 1):
        source = where_of(index - 1)
        if not isinstance(item, dict):
            problems.append(Problem("error", _(
                "new_shards item {index} must be a mapping with name, http_port, "
                "tarantool_port.").format(index=index), where=source))
            continue
        unknown = [k for k in item if k not in SHARD_SPEC_KEYS]
        for key in unknown:
            problems.append(Problem("error", _(
                "new_shards item {index}: unknown key '{key}'.{did_you_mean}").format(
                    index=index, key=key, did_you_mean=did_you_mean(key, SHARD_SPEC_KEYS)),
                where=source))
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem("error", _(
                "new_shards item {index}: name is missing (e.g. shard-011).").format(index=index),
                where=source))
            continue
        ports: dict[str, int] = {}
        for key in ("http_port", "tarantool_port"):
            port = item.get(key)
            if isinstance(port, str) and port.strip().isdigit():
                port = int(port)
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
                problems.append(Problem("error", _(
                    "new_shards item {index} ({name}): {key} must be a port number from 1 to "
                    "65535, not {value}.").format(index=index, name=name, key=key,
                                                  value=repr(port)), where=source))
                continue
            ports[key] = port
        if len(ports) == 2 and not unknown:
            specs.append(ShardSpec(name.strip(), ports["http_port"], ports["tarantool_port"]))
    return specs, problems
