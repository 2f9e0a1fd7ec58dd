"""The service configs: extraction-api and sf-api (read fast, edited faithfully), the legacy
application's clustering switch, and the generated migration.yaml."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import yaml

from ffwizard.core.errors import EditError, YamlReadError
from ffwizard.core.installation import (
    NormalizedStorage,
    Problem,
    Shard,
)
from ffwizard.core.newlines import as_lf, line_ending, with_ending
from ffwizard.core.yamlio import (
    RoundTrip,
    fast_loader,
    read_text,
    round_trip_yaml,
    rt_dump,
    same_scalar_type,
)
from ffwizard.core.yamltext import NotAsText, YamlText, emit
from ffwizard.i18n import N_, _

if TYPE_CHECKING:
    from ffwizard.core.installation import Installation


class MigrationSettings(Protocol):
    """The answers migration.yaml takes (the plan's `Answers` has them): named here so that the
    configs, below the answers, never import them."""

    @property
    def workers_num(self) -> int: ...
    @property
    def objects_limit(self) -> int: ...
    @property
    def extraction_batch_size(self) -> int: ...

# What an edit expects of the parsed file: it changes the parsed data in place.
Expectation = Callable[[Any], None]

LEGACY_CONFIG = Path("configs/findface-multi-legacy/findface-multi-legacy.py")
CLUSTERING_ON = re.compile(r"""^\s*['"]?CLUSTERING\w*['"]?\s*[:=]\s*True\b""", re.MULTILINE)

# The vendor's timeouts for sf-api-migrate (seed page).
EXTRACTION_TIMEOUTS = {"connect": "5s", "response_header": "30s", "overall": "35s",
                       "idle_connection": "0s"}
STORAGE_TIMEOUTS = {"connect": "5s", "response_header": "30s", "overall": "35s",
                    "idle_connection": "10s"}
MAX_IDLE_CONNS_PER_HOST = 20
S3_KEYS = ("endpoint", "bucket-name", "access-key", "secret-access-key", "secure", "region",
           "public-url", "operation-timeout")


# --- reading ----------------------------------------------------------------------------------

@dataclass
class SfApiConfig:
    """What the sf-api config says of the shards, the extraction service and the storage."""

    shard_urls: list[tuple[str, str]]  # (master, slave)
    extraction_api_url: str | None
    listen: str | None
    normalized_storage: NormalizedStorage | None


def listen_url(listen: object, default: str) -> str:
    """`127.0.0.1:18411` / `:18411` → `http://127.0.0.1:18411`."""
    if not listen:
        return default
    text = str(listen)
    if text.startswith("http"):
        return text.rstrip("/")
    host, _colon, port = text.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def read_sf_api(parsed: object, where: str) -> tuple[SfApiConfig, list[Problem]]:
    problems: list[Problem] = []
    document = parsed if isinstance(parsed, dict) else {}
    storage = document.get("storage-api") or {}
    shards = storage.get("shards") if isinstance(storage, dict) else None
    urls: list[tuple[str, str]] = []
    if not isinstance(shards, list) or not shards:
        problems.append(Problem("error", _("storage-api.shards is missing or empty: cannot "
                                           "tell which shards sf-api uses."), where=where))
    else:
        for item in shards:
            if isinstance(item, dict) and item.get("master"):
                urls.append((str(item["master"]), str(item.get("slave") or "")))
            elif isinstance(item, str):
                urls.append((item, ""))
            else:
                problems.append(Problem("error", _("storage-api.shards has an entry without a "
                                                   "master URL: {entry}.").format(
                                                       entry=repr(item)), where=where))
    extraction = document.get("extraction-api") or {}
    extraction_url = extraction.get("extraction-api") if isinstance(extraction, dict) else None
    storage_cfg = document.get("normalized-storage")
    normalized = None
    if isinstance(storage_cfg, dict):
        kind = str(storage_cfg.get("type") or "webdav")
        webdav = storage_cfg.get("webdav") or {}
        s3 = storage_cfg.get("s3") or {}
        normalized = NormalizedStorage(
            type=kind,
            enabled=bool(storage_cfg.get("enabled", True)),
            webdav_upload_url=webdav.get("upload-url") if isinstance(webdav, dict) else None,
            s3=dict(s3) if isinstance(s3, dict) else {},
        )
        if kind not in ("webdav", "s3"):
            problems.append(Problem("warning", _("normalized-storage.type is '{kind}'; ffwizard "
                                                 "knows webdav and s3.").format(kind=kind),
                                    where=where))
    else:
        problems.append(Problem("warning", _("normalized-storage is not set: the migration "
                                             "tool needs it to read the stored images."),
                                where=where))
    return SfApiConfig(urls, str(extraction_url) if extraction_url else None,
                       document.get("listen"), normalized), problems


def parse_shard_url(url: str) -> tuple[str | None, int | None]:
    try:
        parts = urlsplit(url)
        return parts.hostname, parts.port
    except ValueError:
        return None, None


def clustering_enabled(root: Path) -> bool:
    try:
        text = (root / LEGACY_CONFIG).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(CLUSTERING_ON.search(text))


# --- editing ----------------------------------------------------------------------------------

def _read_for_edit(path: Path, what: str) -> tuple[str, str]:
    """(the file's text, its line ending)."""
    try:
        text = read_text(path, what=what)
        return text, line_ending(text, where=str(path))
    except YamlReadError as err:
        raise EditError(err.message, where=err.where) from None


def _round_trip(path: Path, text: str) -> RoundTrip:
    """The file's round trip on LF text, for the edits text cannot make."""
    try:
        return RoundTrip(as_lf(text), where=str(path))
    except YamlReadError as err:
        raise EditError(err.message, where=err.where) from None


def switch_models(path: Path, models: dict[str, str]) -> tuple[str, str]:
    """(before, after) of the extraction-api config with each type's default model replaced,
    each `<type>_emben` in the form it has: the file directly under the key, or nested under
    `default: {model: …}`. Edited as text where it can be (`yamltext`), else with ruamel."""
    before, ending = _read_for_edit(path, N_("extraction-api config"))
    data = _fast_load(before)
    table = _model_table(data)
    direct = {kind for kind in models if isinstance(table.get(f"{kind}_emben"), str)}

    def expect(data: Any) -> None:
        for kind, model in models.items():
            table = data["extractors"]["models"]
            if kind in direct:
                table[f"{kind}_emben"] = model
            else:
                table[f"{kind}_emben"]["default"]["model"] = model

    try:
        after = _switch_models_as_text(as_lf(before), models, direct)
        return before, _checked(path, before, with_ending(after, ending), expect,
                                expected=data)
    except (NotAsText, KeyError, EditError):
        pass  # ruamel's edit says what is missing, or does what text cannot
    return before, _checked(path, before, _switch_models_rt(path, before, ending, models),
                            expect)


def _switch_models_as_text(before: str, models: dict[str, str], direct: set[str]) -> str:
    """The model switch on the LF text: each model's scalar replaced where it stands."""
    text = YamlText(before)
    for kind, model in models.items():
        entry = text.get(text.get(text.get(text.root, "extractors"), "models"), f"{kind}_emben")
        text.replace(entry if kind in direct else text.get(text.get(entry, "default"), "model"),
                     model)
    return text.render()


def _fast_load(text: str) -> Any:
    """The file's data as the C loader reads it (None when it is not YAML: the edit says so)."""
    try:
        return yaml.load(text, Loader=fast_loader())  # noqa: S506
    except yaml.YAMLError:
        return None


def _model_table(data: Any) -> dict[str, Any]:
    """extractors.models of the config's data ({} when not a mapping)."""
    try:
        table = data["extractors"]["models"]
    except (KeyError, TypeError):
        return {}
    return table if isinstance(table, dict) else {}


def _switch_models_rt(path: Path, before: str, ending: str, models: dict[str, str]) -> str:
    """The model switch with ruamel (the file's text with ruamel's edit spliced in)."""
    rt = _round_trip(path, before)
    document = rt.document
    for kind, model in models.items():
        try:
            table = document["extractors"]["models"]
            entry = table[f"{kind}_emben"]
            if isinstance(entry, str):
                holder, key = table, f"{kind}_emben"
            else:
                holder, key = entry["default"], "model"
            current = holder[key]
        except (KeyError, TypeError):
            raise EditError(_("extractors.models.{kind}_emben.default.model is not there to "
                              "change.").format(kind=kind), where=str(path)) from None
        if current != model:
            holder[key] = same_scalar_type(current, model)
            _shift_inline_comment(holder, key, len(model) - len(str(current)))
    return with_ending(rt.render(), ending)


def _shift_inline_comment(mapping: object, key: str, shift: int) -> None:
    """Keep the gap before a comment after a value whose length changed."""
    comments = getattr(mapping, "ca", None)  # ruamel's comment holder
    entry = comments.items.get(key) if comments is not None else None
    token = entry[2] if entry and len(entry) > 2 else None
    if token is not None and token.value.lstrip(" ").startswith("#") and shift:
        try:
            token.column = max(0, token.column + shift)
        except AttributeError:  # pragma: no cover - older ruamel keeps the column elsewhere
            pass


def switch_sf_api_shards(path: Path, new_shards: list[Shard]) -> tuple[str, str]:
    """(before, after) of the sf-api config with storage-api.shards listing the new shards.
    The entries there are reused (the first one's form for extra ones), each in its own form:
    a URL, or a mapping with `master` (and `slave`). Edited as text where it can be
    (`yamltext`), else with ruamel."""
    before, ending = _read_for_edit(path, N_("sf-api config"))

    def expect(data: Any) -> None:
        listed = data["storage-api"]["shards"]
        result: list[object] = []
        for index, shard in enumerate(new_shards):
            like = listed[index] if index < len(listed) else listed[0]
            if isinstance(like, dict):
                like = {**like, "master": shard_master_url(shard)}
                if "slave" in like or shard.slave_url:
                    like["slave"] = shard.slave_url
                result.append(like)
            else:
                result.append(shard_master_url(shard))
        listed[:] = result

    try:
        after = _switch_sf_api_as_text(as_lf(before), new_shards)
        return before, _checked(path, before, with_ending(after, ending), expect)
    except (NotAsText, KeyError, EditError):
        pass  # ruamel's edit says what is wrong, or does what text cannot
    return before, _checked(path, before, _switch_sf_api_rt(path, before, ending, new_shards),
                            expect)


def _switch_sf_api_as_text(before: str, new_shards: list[Shard]) -> str:
    text = YamlText(before)
    shards = text.get(text.get(text.root, "storage-api"), "shards")
    if not isinstance(shards, yaml.SequenceNode) or not shards.value or not new_shards:
        raise NotAsText("no shard list")

    def pairs(entry: yaml.Node, shard: Shard) -> list[tuple[yaml.Node, str]]:
        if isinstance(entry, yaml.ScalarNode):
            return [(entry, shard_master_url(shard))]
        result = [(text.get(entry, "master"), shard_master_url(shard))]
        if text.has(entry, "slave"):
            result.append((text.get(entry, "slave"), shard.slave_url))
        elif shard.slave_url:
            raise NotAsText("a slave key to add")
        return result

    listed = shards.value
    for entry, shard in zip(listed, new_shards):
        for node, value in pairs(entry, shard):
            text.replace(node, value)
    text.remove_items_from(shards, len(new_shards))
    text.append_copies(shards, 0, [pairs(listed[0], shard)
                                   for shard in new_shards[len(listed):]])
    return text.render()


def _switch_sf_api_rt(path: Path, before: str, ending: str, new_shards: list[Shard]) -> str:
    """The shard list switch with ruamel (the file's text with ruamel's edit spliced in)."""
    rt = _round_trip(path, before)
    document = rt.document
    try:
        shards = document["storage-api"]["shards"]
    except (KeyError, TypeError):
        raise EditError(_("storage-api.shards is not there to change."),
                        where=str(path)) from None
    if not hasattr(shards, "append") or not len(shards):
        raise EditError(_("storage-api.shards is not a list of shards."), where=str(path))
    template = shards[0]
    entries: list[object] = []
    for index, shard in enumerate(new_shards):
        # Reuse the existing entries (and the first one's style for extra ones).
        entry = copy.deepcopy(shards[index] if index < len(shards) else template)
        url = shard_master_url(shard)
        if hasattr(entry, "keys"):
            entry["master"] = same_scalar_type(entry.get("master"), url)
            if "slave" in entry or shard.slave_url:
                # The new shard's replica, where the old one had one (never '' over a replica).
                entry["slave"] = same_scalar_type(entry.get("slave", ""), shard.slave_url)
        else:
            entry = same_scalar_type(entry, url)
        entries.append(entry)
    # Replace in place, keeping the sequence object (its style and comments).
    del shards[len(entries):]
    for index, entry in enumerate(entries):
        if index < len(shards):
            shards[index] = entry
        else:
            shards.append(entry)
    return with_ending(rt.render(), ending)


def _checked(path: Path, before: str, after: str, expect: Expectation, *,
             expected: Any = None) -> str:
    """`after`, once its data is what `expect` makes of `before`'s (parsed with the C loader;
    `expected`: that data already parsed, changed here)."""
    if expected is None:
        expected = yaml.load(before, Loader=fast_loader())  # noqa: S506
    expect(expected)
    try:
        parsed = yaml.load(after, Loader=fast_loader())  # noqa: S506
    except yaml.YAMLError:
        parsed = None
    if parsed != expected:
        raise EditError(_("ffwizard could not compute this edit safely; change the file by "
                          "hand."),
                        where=str(path))
    return after


def shard_master_url(shard: Shard) -> str:
    return shard.url or f"http://{shard.http_host}:{shard.http_port}/v2/"


MIGRATION_HEADER = ("# Generated by ffwizard for sf-api-migrate. Holds storage credentials: keep "
                    "0600.\n")


def migration_document(installation: Installation, answers: MigrationSettings, old: list[Shard],
                       new: list[Shard]) -> dict[str, Any]:
    """migration.yaml's data, in the vendor's order."""

    def storage(shards: list[Shard]) -> dict[str, Any]:
        return {"timeouts": dict(STORAGE_TIMEOUTS),
                "max-idle-conns-per-host": MAX_IDLE_CONNS_PER_HOST,
                "shards": [{"master": shard_master_url(shard), "slave": shard.slave_url or ""}
                           for shard in shards]}

    normalized = installation.normalized_storage or NormalizedStorage(type="webdav")
    s3 = {key: normalized.s3.get(key, "" if key not in ("secure", "operation-timeout")
                                 else (False if key == "secure" else 30))
          for key in S3_KEYS}
    return {
        "extraction-api": {"timeouts": dict(EXTRACTION_TIMEOUTS),
                           "extraction-api": installation.extraction_api_url},
        "storage-api-from": storage(old),
        "storage-api-to": storage(new),
        "workers_num": answers.workers_num,
        "objects_limit": answers.objects_limit,
        "extraction_batch_size": answers.extraction_batch_size,
        "normalized_storage": {"type": normalized.type, "enabled": normalized.enabled,
                               "webdav": {"upload-url": normalized.webdav_upload_url or ""},
                               "s3": s3},
    }


def migration_yaml(installation: Installation, answers: MigrationSettings, old: list[Shard],
                   new: list[Shard]) -> str:
    """The text of migration.yaml, in the vendor's shape (secrets included: write it 0600).

    Written as ruamel.yaml writes it (`indent(mapping=2, sequence=4, offset=2)`): by
    `yamltext.emit` when every value is one whose style it knows and the text reads back as the
    data, else by ruamel itself (tests compare the two)."""
    document = migration_document(installation, answers, old, new)
    try:
        text = emit(document, mapping=2, sequence=4, offset=2)
        if yaml.load(text, Loader=fast_loader()) == document:  # noqa: S506
            return MIGRATION_HEADER + text
    except (NotAsText, yaml.YAMLError):
        pass
    return MIGRATION_HEADER + migration_yaml_rt(document)


def migration_yaml_rt(document: dict[str, Any]) -> str:
    """migration.yaml's data as ruamel.yaml writes it (without the header)."""
    from ruamel.yaml.comments import (  # lazy: ruamel (slow to import) only to edit
        CommentedMap,
        CommentedSeq,
    )

    def node(value: object) -> object:
        if isinstance(value, dict):
            return CommentedMap((key, node(item)) for key, item in value.items())
        if isinstance(value, list):
            return CommentedSeq(node(item) for item in value)
        return value

    rt = round_trip_yaml("")
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt_dump(rt, node(document))
