"""The compose file: project name, compose command, services (read fast), shard services (edited
with ruamel.yaml so that everything not meant to change stays byte for byte)."""

from __future__ import annotations

import copy
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from ffwizard.core.errors import EditError, YamlReadError
from ffwizard.core.installation import ComposeService, Shard
from ffwizard.core.newlines import as_lf, line_ending, with_ending
from ffwizard.core.portholders import real_holders
from ffwizard.core.servicetext import ServiceText, replace_values
from ffwizard.core.yamlio import RoundTrip, fast_loader, parse_yaml, read_text, same_scalar_type
from ffwizard.i18n import N_, _

if TYPE_CHECKING:
    from typing import TypeAlias

    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.tokens import CommentToken

    # Where ruamel keeps the comment after a node: (its comment entry, the index in it).
    CommentSlot: TypeAlias = tuple[list[CommentToken | None], int]

NodeT = TypeVar("NodeT")

SHARD_ENV_KEYS = ("CFG_LISTEN_PORT", "TT_LISTEN")
# [guess] the settings naming a replica's master (see core/replicas.py).
REPLICATION_KEYS = ("TT_REPLICATION", "CFG_REPLICATION_SOURCE")
DEFAULT_WORK_DIR = "/var/lib/tarantool/FindFace"
CLI_PLUGIN_DIRS = ("~/.docker/cli-plugins", "/usr/local/lib/docker/cli-plugins",
                   "/usr/local/libexec/docker/cli-plugins", "/usr/lib/docker/cli-plugins",
                   "/usr/libexec/docker/cli-plugins")


# --- reading ----------------------------------------------------------------------------------

def normalize_project_name(name: str) -> str:
    """As compose does: lowercase; only a-z, 0-9, '-' and '_'; starts with a letter or digit."""
    name = re.sub(r"[^a-z0-9_-]", "", name.lower())
    return name.lstrip("_-")


def read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return values
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def project_name(compose_file: Path, document: object) -> str:
    """COMPOSE_PROJECT_NAME from .env beside the file, else top-level `name:`, else the directory."""
    env = read_dotenv(compose_file.parent / ".env")
    for candidate in (env.get("COMPOSE_PROJECT_NAME"),
                      document.get("name") if isinstance(document, dict) else None,
                      compose_file.parent.resolve().name):
        if isinstance(candidate, str) and normalize_project_name(candidate):
            return normalize_project_name(candidate)
    return "default"


DEFAULT_COMPOSE_COMMAND = ("docker", "compose")


# docker-compose v1 learnt `--ansi never` in 1.28; before, it exits 1 on it and knows only
# `--no-ansi` (which 1.28 and 1.29 still accept, with a deprecation warning).
ANSI_OPTION_SINCE = (1, 28)
_VERSION = re.compile(r"(?<![\w.])v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_compose_version(output: str) -> tuple[int, ...] | None:
    """The version in what `docker-compose version --short` / `docker compose version --short`
    print ("1.25.5", "v2.20.2", "2.20.2+ds1-0ubuntu1~22.04.1", or the long form
    "docker-compose version 1.25.5, build 8a1c60f6"); None when there is none."""
    match = _VERSION.search(output or "")
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def ansi_options(command: list[str] | tuple[str, ...] | None,
                 version: tuple[int, ...] | None = None) -> list[str]:
    """How to turn colours off for this compose command: only the flag its version knows.
    The v1 binary of an unknown version gets `--no-ansi`, which every v1 release accepts."""
    standalone = bool(command) and Path(command[0]).name == "docker-compose"  # type: ignore[index]  # bool() checked it
    if standalone and (version is None or version < ANSI_OPTION_SINCE):
        return ["--no-ansi"]
    return ["--ansi", "never"]


def compose_argv(command: list[str] | tuple[str, ...] | None, project: str,
                 compose_file: Path | str, *args: str,
                 version: tuple[int, ...] | None = None) -> list[str]:
    """The one way a compose call is spelled, for plans, logs and the docker runtime alike:
    `<command> --ansi never -p PROJECT -f FILE ARGS…` (`command` None: compose v2), with
    `--no-ansi` instead for a docker-compose v1 older than 1.28 (`version`: what it said)."""
    return [*(command or DEFAULT_COMPOSE_COMMAND), *ansi_options(command, version),
            "-p", project, "-f", str(compose_file), *args]


def installed_compose_command() -> list[str] | None:
    """["docker", "compose"] when the v2 plugin is installed, else ["docker-compose"], else None.

    Looks for files only (no process started): cheap, and never fails without Docker.
    """
    if shutil.which("docker"):
        extra = os.environ.get("DOCKER_CONFIG")
        dirs = ([f"{extra}/cli-plugins"] if extra else []) + list(CLI_PLUGIN_DIRS)
        for directory in dirs:
            if Path(directory).expanduser().joinpath("docker-compose").is_file():
                return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def environment_dict(value: object) -> dict[str, str]:
    """A service's environment as a dict of strings, from a mapping or a list of KEY=VALUE."""
    result: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            result[str(key)] = "" if item is None else _scalar_text(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                key, _equals, val = item.partition("=")
                result[key.strip()] = val
    return result


def _scalar_text(item: object) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)


def volume_strings(value: object) -> tuple[str, ...]:
    """`source:target[:mode]` strings, from short and long volume syntax."""
    result: list[str] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str):
            result.append(item)
        elif isinstance(item, dict) and item.get("target"):
            source = item.get("source") or ""
            result.append(f"{source}:{item['target']}" + (":ro" if item.get("read_only") else ""))
    return tuple(result)


def service_lines(text: str) -> dict[str, int]:
    """1-based line of each service key, by a cheap scan of the `services:` block."""
    lines: dict[str, int] = {}
    inside = False
    indent = None
    for number, line in enumerate(text.splitlines(), 1):
        if not inside:
            if re.match(r"^services\s*:\s*(#.*)?$", line):
                inside = True
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        current = len(line) - len(line.lstrip(" "))
        if current == 0:
            break
        if indent is None:
            indent = current
        if current == indent:
            match = re.match(r"^\s*['\"]?([^'\":]+)['\"]?\s*:", line)
            if match:
                lines[match.group(1).strip()] = number
    return lines


def read_services(document: object, text: str) -> dict[str, ComposeService]:
    services: dict[str, ComposeService] = {}
    table = document.get("services") if isinstance(document, dict) else None
    if not isinstance(table, dict):
        return services
    lines = service_lines(text)
    for name, body in table.items():
        body = body if isinstance(body, dict) else {}
        image = body.get("image")
        services[str(name)] = ComposeService(
            name=str(name),
            image=str(image) if image is not None else None,
            environment=environment_dict(body.get("environment")),
            volumes=volume_strings(body.get("volumes")),
            network_mode=body.get("network_mode"),
            line=lines.get(str(name)),
        )
    return services


def is_shard_service(service: ComposeService) -> bool:
    return any(key in service.environment for key in SHARD_ENV_KEYS)


def split_volume(volume: str) -> tuple[str, str]:
    """(host source, container target) of a short-syntax volume."""
    parts = volume.split(":")
    if len(parts) >= 2:
        return parts[0], parts[1]
    return "", parts[0]


def port_of(value: str | None) -> int | None:
    """The port in '8101', '127.0.0.1:32001', ':32001'."""
    if value is None:
        return None
    match = re.search(r"(?:^|:)(\d{1,5})$", str(value).strip())
    return int(match.group(1)) if match else None


def host_of(value: str | None) -> str | None:
    if value is None or ":" not in str(value):
        return None
    return str(value).rsplit(":", 1)[0] or None


def shard_data_volume(service: ComposeService) -> str | None:
    """The host side of the volume mounted at the shard's work dir (TT_WORK_DIR)."""
    work_dir = service.environment.get("TT_WORK_DIR") or DEFAULT_WORK_DIR
    for volume in service.volumes:
        source, target = split_volume(volume)
        if target.rstrip("/") == work_dir.rstrip("/") and source:
            return source
    return None


_PORT_IN_TEXT = re.compile(r"[:=](\d{2,5})(?=$|/|:)")


def used_ports(services: dict[str, ComposeService], document: object) -> set[int]:
    """Every port the compose file mentions: listen settings, `ports:` entries, `host:port`
    and `--port=N` values anywhere in a service (environment, command, healthcheck, …)."""
    ports: set[int] = set()
    for service in services.values():
        for key, value in service.environment.items():
            if ("PORT" in key or "LISTEN" in key) and value.strip().isdigit():
                ports.add(int(value))
    table = document.get("services") if isinstance(document, dict) else None
    if isinstance(table, dict):
        _collect_ports(table, ports)
    return {p for p in ports if 0 < p < 65536}


def port_users(services: dict[str, ComposeService], document: object) -> dict[int, str]:
    """The service that mentions each port (the first by name when several do), for messages."""
    users: dict[int, str] = {}
    table = document.get("services") if isinstance(document, dict) else None
    for name in sorted(services):
        found = used_ports({name: services[name]},
                           {"services": {name: table.get(name)}} if isinstance(table, dict) else {})
        for port in found:
            users.setdefault(port, name)
    return real_holders(users, services)  # a client setting names its server


def _collect_ports(node: object, ports: set[int]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("published", "target") and str(value).isdigit():
                ports.add(int(value))
            elif key == "ports" and isinstance(value, list):
                for entry in value:
                    if isinstance(entry, dict):
                        _collect_ports(entry, ports)
                        continue
                    for part in re.split(r"[:-]", str(entry).split("/")[0]):
                        if part.isdigit():
                            ports.add(int(part))
            else:
                _collect_ports(value, ports)
    elif isinstance(node, list):
        for item in node:
            _collect_ports(item, ports)
    elif isinstance(node, (str, int)) and not isinstance(node, bool):
        for number in _PORT_IN_TEXT.findall(str(node)):
            ports.add(int(number))


# --- editing ----------------------------------------------------------------------------------

class ComposeEdit:
    """The compose file edited in steps: each method returns the text after its edit, so step 8
    builds on step 4 without parsing again.

    Every text returned is checked: parsed again (C loader), it must hold exactly the services
    expected (the original's, plus the copies, minus the removed ones, in order). The file is
    edited as whole service units of its own text (`servicetext`): for a file ruamel writes back
    unchanged that is ruamel's text, and it keeps what ruamel would not (flow collections wrapped
    over lines, anchors and merge keys in the copied service). Only when that fails is the file
    loaded with ruamel.yaml (once, the edits so far replayed on its document) and ruamel's text
    used, spliced into the file's own lines where it re-formats.
    """

    def __init__(self, path: Path, text: str | None = None,
                 document: dict[str, Any] | None = None):
        """`text`: the file's text (None: read it); `document`: that text parsed (None: parse
        it), left unchanged."""
        self.path = path
        try:
            self.original = text if text is not None else read_text(path, what=N_("compose file"))
            # Edited as LF text; `dump` gives the file's own line ending back.
            self.ending = line_ending(self.original, where=str(path))
            if text is not None and isinstance(document, dict) \
                    and isinstance(document.get("services"), dict):
                # The edits replace `services` and remove from it: a copy of those two levels
                # (each service's body is deep-copied before it is changed).
                parsed: object = {**document, "services": dict(document["services"])}
            else:
                parsed = parse_yaml(self.original, where=str(path), what=N_("compose file"))
        except YamlReadError as err:
            raise EditError(str(err.message), where=err.where) from None
        services = parsed.get("services") if isinstance(parsed, dict) else None
        if not isinstance(parsed, dict) or not isinstance(services, dict):
            raise EditError(_("the compose file has no block-style `services:` mapping to "
                              "edit."), where=str(path))
        # The parsed file, as the edits so far should leave it: compared with each text made.
        self.expected: dict[str, Any] = parsed
        self._round_trip: RoundTrip | None = None  # loaded only when the text units fail
        self.services: CommentedMap | None = None  # its `services:` mapping, once loaded
        self._edits: list[tuple[str, tuple[Any, ...]]] = []  # replayed on it when it is loaded
        try:
            self.layout: ServiceText | None = ServiceText(as_lf(self.original))
        except ValueError:
            self.layout = None

    @property
    def round_trip(self) -> RoundTrip:
        """ruamel's document of the file with every edit so far (loaded on first use)."""
        if self._round_trip is None:
            try:
                round_trip = RoundTrip(as_lf(self.original), where=str(self.path))
            except YamlReadError as err:
                raise EditError(str(err.message), where=err.where) from None
            document = round_trip.document
            services = document.get("services") if hasattr(document, "get") else None
            if not hasattr(services, "insert"):
                raise EditError(_("the compose file has no block-style `services:` mapping to "
                                  "edit."), where=str(self.path))
            self._round_trip, self.services = round_trip, services
            for edit, arguments in self._edits:
                getattr(self, edit)(*arguments)
        return self._round_trip

    def dump(self) -> str:
        """The text after the edits so far: the text-unit edit when it holds exactly the
        expected services, else ruamel's text spliced into the file, else ruamel's."""
        by_units = self.layout.render() if self.layout is not None else None
        if by_units is not None and self._holds_expected(by_units):
            return with_ending(by_units, self.ending)  # == edited when ruamel is faithful
        self.layout = None  # went wrong once: not used again
        text = self.round_trip.render(self.round_trip.dump())
        if self._holds_expected(text):
            return with_ending(text, self.ending)
        raise EditError(_("ffwizard could not compute this edit of the compose file safely; "
                          "edit the shard services by hand."), where=str(self.path))

    def _holds_expected(self, text: str) -> bool:
        try:
            parsed: object = yaml.load(text, Loader=fast_loader())  # noqa: S506
        except yaml.YAMLError:
            return False
        return isinstance(parsed, dict) and parsed == self.expected and \
            list(parsed["services"]) == list(self.expected["services"])

    def _edit(self, edit: str, *arguments: Any) -> None:
        """Apply an edit to ruamel's document now if it is loaded, else when it is."""
        self._edits.append((edit, arguments))
        if self._round_trip is not None:
            getattr(self, edit)(*arguments)

    def add_shard_services(self, old: list[Shard], new: list[Shard]) -> str:
        """Copy the last old shard service for each new shard, right after the last old one;
        then the same for their replicas (the last old replica's service, for each new one)."""
        self._add_copies(old, new)
        services = self.expected["services"]
        old_replicas = [s.replica for s in old if s.replica and s.replica.service in services]
        new_replicas = [s.replica for s in new if s.replica]
        if old_replicas and new_replicas:
            self._add_copies(old_replicas, new_replicas)
        return self.dump()

    def _add_copies(self, old: list[Shard], new: list[Shard]) -> None:
        services = self.expected["services"]
        old_services = [s for s in old if s.service in services]
        if not old_services:
            raise EditError(_("no shard service in the compose file to copy the new ones "
                              "from."), where=str(self.path))
        keys = list(services)
        last_old = max(old_services, key=lambda s: keys.index(s.service))
        template = services[last_old.service]
        copies = self._expect_copies(last_old, new)
        self._edit("_add_to_document", last_old, tuple(old_services), tuple(new))
        if self.layout is not None:
            self._add_as_text(self.layout, _service(last_old),
                              [_service(s) for s in old_services], template, copies)

    def _add_to_document(self, last_old: Shard, old_services: tuple[Shard, ...],
                         new: tuple[Shard, ...]) -> None:
        """The copies in ruamel's document, comments and blank lines placed as the file has them."""
        services = self._loaded_services()
        template = services[_service(last_old)]
        position = list(services).index(_service(last_old)) + 1
        # Comment/blank-line handling: what follows the last old service belongs after the
        # last new one; between shard services, keep the separator the file already uses.
        tail = _trailing_slot(template)
        tail_value = _slot_text(tail) if tail else None
        separator = _separator(services, list(old_services), last_old, tail_value)
        for index, shard in enumerate(new):
            body = copy_node(template)
            _retarget_service(body, last_old, shard)
            slot = _trailing_slot(body)
            if slot is not None:
                is_last = index == len(new) - 1
                value = tail_value if is_last else separator
                _set_comment(slot, value)
            services.insert(position + index, _service(shard), body)
        if tail is not None:
            _set_comment(tail, separator)

    def _expect_copies(self, template: Shard, new: list[Shard]) -> list[tuple[str, Any]]:
        """Add the copies to the expected services; returns them (name, body)."""
        services: dict[str, Any] = self.expected["services"]
        items = list(services.items())
        position = [name for name, _ in items].index(_service(template)) + 1
        added: list[tuple[str, Any]] = []
        for shard in new:
            body = copy.deepcopy(services[_service(template)])
            _retarget_service(body, template, shard)
            added.append((_service(shard), body))
        self.expected["services"] = dict(items[:position] + added + items[position:])
        return added

    def _add_as_text(self, layout: ServiceText, template_name: str, old_names: list[str],
                     template: Any, copies: list[tuple[str, Any]]) -> None:
        """The new services as copies of the template's own text (its wrapping kept)."""
        source = layout.block_text(template_name)
        blocks: list[tuple[str, str]] = []
        for name, body in copies:
            first, _newline, rest = source.partition("\n")
            text = first.replace(template_name, name, 1) + "\n" + \
                replace_values(rest, list(_changed_leaves(template, body)))
            blocks.append((name, text))
        layout.insert_after(template_name, old_names, blocks)

    def remove_services(self, names: list[str]) -> str:
        for name in names:
            self.expected["services"].pop(name, None)
            if self.layout is not None:
                self.layout.remove(name)
        self._edit("_remove_from_document", tuple(names))
        return self.dump()

    def _loaded_services(self) -> CommentedMap:
        self.round_trip  # noqa: B018  (loads the document and its services on first use)
        assert self.services is not None
        return self.services

    def _remove_from_document(self, names: tuple[str, ...]) -> None:
        services = self._loaded_services()
        keys = list(services)
        for name in names:
            if name not in services:
                continue
            position = keys.index(name)
            key_comment = services.ca.items.pop(name, None)
            # A comment written above the removed service (e.g. "# shards") moves to the next one.
            if key_comment and key_comment[1] and position + 1 < len(keys):
                follower = keys[position + 1]
                entry = services.ca.items.setdefault(follower, [None, None, None, None])
                if entry[1] is None:
                    entry[1] = key_comment[1]
            del services[name]
            keys.remove(name)


def _changed_leaves(before: object, after: object) -> Iterator[tuple[str, str]]:
    """(old, new) text of each scalar that differs between two nodes of the same shape."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before:
            if key in after:
                yield from _changed_leaves(before[key], after[key])
    elif isinstance(before, list) and isinstance(after, list):
        for old, new in zip(before, after):
            yield from _changed_leaves(old, new)
    elif str(before) != str(after):
        yield str(before), str(after)


def copy_node(node: NodeT) -> NodeT:
    """A deep copy of a ruamel node that keeps its comments shared as in the original.

    ruamel keeps a comment above a nested collection in two places that share one list (the
    parent's entry and the collection's own); `copy.deepcopy` splits them, and the dumper then
    loses the comment or misplaces it. Re-link them after copying.
    """
    duplicate = copy.deepcopy(node)
    seen: dict[int, object] = {}
    _relink(node, duplicate, seen)
    return duplicate


def _relink(original: object, duplicate: object, seen: dict[int, object]) -> None:
    from ruamel.yaml.comments import (  # lazy: ruamel (slow to import) only to edit
        CommentedBase,
        CommentedMap,
        CommentedSeq,
    )

    if not isinstance(original, CommentedBase) or not isinstance(duplicate, CommentedBase):
        return  # a scalar (a deep copy has the original's type)
    holders = [(original.ca.comment, duplicate.ca.comment)] if original.ca.comment else []
    for key, entry in original.ca.items.items():
        if key in duplicate.ca.items:
            holders.append((entry, duplicate.ca.items[key]))
    for orig_holder, dup_holder in holders:
        for index, item in enumerate(orig_holder):
            if isinstance(item, list) and index < len(dup_holder):
                if id(item) in seen:
                    dup_holder[index] = seen[id(item)]
                else:
                    seen[id(item)] = dup_holder[index]
    if isinstance(original, CommentedMap) and isinstance(duplicate, CommentedMap):
        for key in original:
            _relink(original[key], duplicate[key], seen)
    elif isinstance(original, CommentedSeq) and isinstance(duplicate, CommentedSeq):
        for a, b in zip(original, duplicate):
            _relink(a, b, seen)


def _trailing_slot(node: object) -> CommentSlot | None:
    """(list, index) holding the comment token right after `node`'s last scalar, or None."""
    from ruamel.yaml.comments import (  # lazy: ruamel (slow to import) only to edit
        CommentedMap,
        CommentedSeq,
    )

    if isinstance(node, CommentedMap) and len(node):
        key = list(node)[-1]
        entry = node.ca.items.get(key)
        if entry and len(entry) > 2 and entry[2] is not None:
            return entry, 2
        return _trailing_slot(node[key])
    if isinstance(node, CommentedSeq) and len(node):
        entry = node.ca.items.get(len(node) - 1)
        if entry and entry[0] is not None:
            return entry, 0
        return _trailing_slot(node[-1])
    return None


def _service(shard: Shard) -> str:
    """The compose service of a shard being edited: every detected shard service and every
    planned shard has one."""
    assert shard.service is not None, shard.name
    return shard.service


def _slot_text(slot: CommentSlot) -> str:
    token = slot[0][slot[1]]
    return token.value if token is not None else ""


def _set_comment(slot: CommentSlot, value: str | None) -> None:
    entry, index = slot
    token = entry[index]
    if value is None or token is None:
        entry[index] = None
    else:
        token = copy.copy(token)
        token.value = value
        entry[index] = token


def _separator(services: CommentedMap, old_services: list[Shard], last_old: Shard,
               tail_value: str | None) -> str | None:
    """The blank lines between two shard services, as the file writes them (None: nothing)."""
    for shard in old_services:
        if shard.service == last_old.service:
            continue
        slot = _trailing_slot(services[shard.service])
        if slot is not None:
            value = _slot_text(slot)
            if value.strip() == "":
                return value
        return None
    if tail_value:
        match = re.match(r"\n+", tail_value)
        if match and len(match.group(0)) >= 2:
            return match.group(0)
    return None


def _retarget_service(body: CommentedMap, old: Shard, new: Shard) -> None:
    """Rename what names the shard in a copied service: ports, data volume, names."""
    env = body.get("environment")
    if isinstance(env, dict):
        for key in list(env):
            env[key] = _retarget_value(key, env[key], old, new)
    elif isinstance(env, list):
        for index, item in enumerate(env):
            if isinstance(item, str) and "=" in item:
                key, _equals, value = item.partition("=")
                env[index] = same_scalar_type(item, f"{key}={_retarget_value(key, value, old, new)}")
    volumes = body.get("volumes")
    old_dir = old.data_dir and Path(old.data_dir).name
    if isinstance(volumes, list) and old_dir:
        for index, item in enumerate(volumes):
            if isinstance(item, str):
                source, sep, rest = item.partition(":")
                if Path(source).name == old_dir:
                    volumes[index] = same_scalar_type(item, _rename_last(source, new.name) + sep + rest)
            elif isinstance(item, dict) and isinstance(item.get("source"), str) \
                    and Path(item["source"]).name == old_dir:
                item["source"] = same_scalar_type(item["source"], _rename_last(item["source"], new.name))
    for key in ("container_name", "hostname"):
        value = body.get(key)
        if isinstance(value, str) and old.service and old.service in value:
            body[key] = same_scalar_type(value, value.replace(old.service, _service(new)))
    ports = body.get("ports")
    if isinstance(ports, list):
        for index, item in enumerate(ports):
            if isinstance(item, (str, int)):
                text = str(item)
                for old_port, new_port in ((old.http_port, new.http_port),
                                           (old.tarantool_port, new.tarantool_port)):
                    if old_port and new_port:
                        text = re.sub(rf"(?<!\d){old_port}(?!\d)", str(new_port), text)
                ports[index] = same_scalar_type(item, text) if isinstance(item, str) else int(text)


def _retarget_value(key: str, value: object, old: Shard, new: Shard) -> object:
    if key == "CFG_LISTEN_PORT" and new.http_port:
        return new.http_port if isinstance(value, int) else same_scalar_type(value, str(new.http_port))
    if key == "TT_LISTEN" and new.tarantool_port:
        text = re.sub(r"\d+$", str(new.tarantool_port), str(value))
        return int(text) if isinstance(value, int) else same_scalar_type(value, text)
    if key in REPLICATION_KEYS and new.replicates:
        return same_scalar_type(value, new.replicates)
    if key in ("CFG_LISTEN_HOST",) and old.service and isinstance(value, str) \
            and value == old.service:
        return same_scalar_type(value, _service(new))
    return value


def _rename_last(path: str, name: str) -> str:
    head, slash, _last = path.rstrip("/").rpartition("/")
    return f"{head}{slash}{name}"
