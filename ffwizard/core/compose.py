"""The compose file: project name, compose command, services (read fast), shard services (edited
with ruamel.yaml so that everything not meant to change stays byte for byte)."""

from __future__ import annotations

import copy
import os
import re
import shutil
from pathlib import Path

from ffwizard.core.installation import ComposeService, Shard
from ffwizard.core.portholders import real_holders
from ffwizard.i18n import N_, _

SHARD_ENV_KEYS = ("CFG_LISTEN_PORT", "TT_LISTEN")
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
    values = {}
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


def project_name(compose_file: Path, document: dict | None) -> str:
    """COMPOSE_PROJECT_NAME from .env beside the file, else top-level `name:`, else the directory."""
    env = read_dotenv(compose_file.parent / ".env")
    for candidate in (env.get("COMPOSE_PROJECT_NAME"),
                      (document or {}).get("name") if isinstance(document, dict) else None,
                      compose_file.parent.resolve().name):
        if isinstance(candidate, str) and normalize_project_name(candidate):
            return normalize_project_name(candidate)
    return "default"


def detect_compose_command() -> list[str] | None:
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


def environment_dict(value) -> dict[str, str]:
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


def _scalar_text(item) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)


def volume_strings(value) -> tuple[str, ...]:
    """`source:target[:mode]` strings, from short and long volume syntax."""
    result = []
    for item in value or []:
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


def read_services(document: dict, text: str) -> dict[str, ComposeService]:
    services = {}
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


def used_ports(services: dict[str, ComposeService], document: dict) -> set[int]:
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


def port_users(services: dict[str, ComposeService], document: dict) -> dict[int, str]:
    """The service that mentions each port (the first by name when several do), for messages."""
    users: dict[int, str] = {}
    table = document.get("services") if isinstance(document, dict) else None
    for name in sorted(services):
        found = used_ports({name: services[name]},
                           {"services": {name: table.get(name)}} if isinstance(table, dict) else {})
        for port in found:
            users.setdefault(port, name)
    return real_holders(users, services)  # a client setting names its server


def _collect_ports(node, ports: set[int]) -> None:
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
    """One round-trip load of the compose file, edited in steps: each method returns the text
    after its edit, so step 8 builds on step 4 without parsing again.

    Every text returned is checked: parsed again (C loader), it must hold exactly the services
    expected (the original's, plus the copies, minus the removed ones, in order). ruamel's text
    is used when ruamel writes the file back unchanged; otherwise — or when the copied service
    uses anchors or merge keys, which ruamel would expand — the file is edited as whole service
    units of its own text (`servicetext`).
    """

    def __init__(self, path: Path, text: str | None = None):
        import yaml

        from ffwizard.core.configs import EditError
        from ffwizard.core.servicetext import ServiceText
        from ffwizard.core.yamlio import RoundTrip, YamlReadError, fast_loader, read_text

        self.path = path
        try:
            self.original = text if text is not None else read_text(path, what=N_("compose file"))
            self.round_trip = RoundTrip(self.original, where=str(path))
        except YamlReadError as err:
            raise EditError(str(err.message), where=err.where) from None
        self.document = self.round_trip.document
        services = self.document.get("services") if hasattr(self.document, "get") else None
        if not hasattr(services, "insert"):
            raise EditError(_("the compose file has no block-style `services:` mapping to "
                              "edit."), where=str(path))
        self.services = services
        self.expected = yaml.load(self.original, Loader=fast_loader())  # noqa: S506
        try:
            self.layout: ServiceText | None = ServiceText(self.original)
        except ValueError:
            self.layout = None

    def dump(self) -> str:
        """The text after the edits so far: ruamel's when it keeps every other line as the
        file has it (it equals the text-unit edit), else the text-unit edit, else ruamel's
        spliced into the file — whichever first holds exactly the expected services."""
        from ffwizard.core.configs import EditError

        edited = self.round_trip.dump()
        by_units = self.layout.render() if self.layout is not None else None
        if by_units is not None and self._holds_expected(by_units):
            return by_units  # == edited when ruamel writes the file faithfully
        self.layout = None  # went wrong once: not used again
        text = self.round_trip.render(edited)
        if self._holds_expected(text):
            return text
        raise EditError(_("ffwizard could not compute this edit of the compose file safely; "
                          "edit the shard services by hand."), where=str(self.path))

    def _holds_expected(self, text: str) -> bool:
        import yaml

        from ffwizard.core.yamlio import fast_loader

        try:
            parsed = yaml.load(text, Loader=fast_loader())  # noqa: S506
        except yaml.YAMLError:
            return False
        return parsed == self.expected and \
            list(parsed["services"]) == list(self.expected["services"])

    def add_shard_services(self, old: list[Shard], new: list[Shard]) -> str:
        """Copy the last old shard service for each new shard, right after the last old one."""
        from ffwizard.core.configs import EditError

        old_services = [s for s in old if s.service in self.services]
        if not old_services:
            raise EditError(_("no shard service in the compose file to copy the new ones "
                              "from."), where=str(self.path))
        keys = list(self.services)
        last_old = max(old_services, key=lambda s: keys.index(s.service))
        template = self.services[last_old.service]
        position = keys.index(last_old.service) + 1
        # Comment/blank-line handling: what follows the last old service belongs after the
        # last new one; between shard services, keep the separator the file already uses.
        tail = _trailing_slot(template)
        tail_value = tail[0][tail[1]].value if tail else None
        separator = _separator(self.services, old_services, last_old, tail_value)
        copies = []
        for index, shard in enumerate(new):
            body = copy_node(template)
            _retarget_service(body, last_old, shard)
            copies.append((shard.service, body))
            slot = _trailing_slot(body)
            if slot is not None:
                is_last = index == len(new) - 1
                value = tail_value if is_last else separator
                _set_comment(slot, value)
            self.services.insert(position + index, shard.service, body)
        if tail is not None:
            _set_comment(tail, separator)
        self._expect_copies(last_old, new)
        if self.layout is not None:
            self._add_as_text(last_old.service, [s.service for s in old_services], template,
                              copies)
        return self.dump()

    def _expect_copies(self, template: Shard, new: list[Shard]) -> None:
        services = self.expected["services"]
        items = list(services.items())
        position = [name for name, _ in items].index(template.service) + 1
        added = []
        for shard in new:
            body = copy.deepcopy(services[template.service])
            _retarget_service(body, template, shard)
            added.append((shard.service, body))
        self.expected["services"] = dict(items[:position] + added + items[position:])

    def _add_as_text(self, template_name: str, old_names: list[str], template, copies) -> None:
        """The new services as copies of the template's own text (its wrapping kept)."""
        from ffwizard.core.servicetext import replace_values

        source = self.layout.block_text(template_name)
        blocks = []
        for name, body in copies:
            first, _newline, rest = source.partition("\n")
            text = first.replace(template_name, name, 1) + "\n" + \
                replace_values(rest, list(_changed_leaves(template, body)))
            blocks.append((name, text))
        self.layout.insert_after(template_name, old_names, blocks)

    def remove_services(self, names: list[str]) -> str:
        keys = list(self.services)
        for name in names:
            if name not in self.services:
                continue
            position = keys.index(name)
            key_comment = self.services.ca.items.pop(name, None)
            # A comment written above the removed service (e.g. "# shards") moves to the next one.
            if key_comment and key_comment[1] and position + 1 < len(keys):
                follower = keys[position + 1]
                entry = self.services.ca.items.setdefault(follower, [None, None, None, None])
                if entry[1] is None:
                    entry[1] = key_comment[1]
            del self.services[name]
            keys.remove(name)
            self.expected["services"].pop(name, None)
            if self.layout is not None:
                self.layout.remove(name)
        return self.dump()


def _changed_leaves(before, after):
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


def copy_node(node):
    """A deep copy of a ruamel node that keeps its comments shared as in the original.

    ruamel keeps a comment above a nested collection in two places that share one list (the
    parent's entry and the collection's own); `copy.deepcopy` splits them, and the dumper then
    loses the comment or misplaces it. Re-link them after copying.
    """
    duplicate = copy.deepcopy(node)
    seen: dict[int, list] = {}
    _relink(node, duplicate, seen)
    return duplicate


def _relink(original, duplicate, seen: dict) -> None:
    from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq

    if not isinstance(original, CommentedBase):
        return
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
    if isinstance(original, CommentedMap):
        for key in original:
            _relink(original[key], duplicate[key], seen)
    elif isinstance(original, CommentedSeq):
        for a, b in zip(original, duplicate):
            _relink(a, b, seen)


def _trailing_slot(node):
    """(list, index) holding the comment token right after `node`'s last scalar, or None."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

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


def _set_comment(slot, value: str | None) -> None:
    entry, index = slot
    if value is None:
        entry[index] = None
    else:
        token = copy.copy(entry[index])
        token.value = value
        entry[index] = token


def _separator(services, old_services: list[Shard], last_old: Shard, tail_value: str | None):
    """The blank lines between two shard services, as the file writes them (None: nothing)."""
    for shard in old_services:
        if shard.service == last_old.service:
            continue
        slot = _trailing_slot(services[shard.service])
        if slot is not None:
            value = slot[0][slot[1]].value
            if value.strip() == "":
                return value
        return None
    if tail_value:
        match = re.match(r"\n+", tail_value)
        if match and len(match.group(0)) >= 2:
            return match.group(0)
    return None


def _retarget_service(body, old: Shard, new: Shard) -> None:
    """Rename what names the shard in a copied service: ports, data volume, names."""
    env = body.get("environment")
    if isinstance(env, dict):
        for key in list(env):
            env[key] = _retarget_value(key, env[key], old, new)
    elif isinstance(env, list):
        for index, item in enumerate(env):
            if isinstance(item, str) and "=" in item:
                key, _equals, value = item.partition("=")
                env[index] = _same_type(item, f"{key}={_retarget_value(key, value, old, new)}")
    volumes = body.get("volumes")
    old_dir = old.data_dir and Path(old.data_dir).name
    if isinstance(volumes, list) and old_dir:
        for index, item in enumerate(volumes):
            if isinstance(item, str):
                source, sep, rest = item.partition(":")
                if Path(source).name == old_dir:
                    volumes[index] = _same_type(item, _rename_last(source, new.name) + sep + rest)
            elif isinstance(item, dict) and isinstance(item.get("source"), str) \
                    and Path(item["source"]).name == old_dir:
                item["source"] = _same_type(item["source"], _rename_last(item["source"], new.name))
    for key in ("container_name", "hostname"):
        value = body.get(key)
        if isinstance(value, str) and old.service and old.service in value:
            body[key] = _same_type(value, value.replace(old.service, new.service))
    ports = body.get("ports")
    if isinstance(ports, list):
        for index, item in enumerate(ports):
            if isinstance(item, (str, int)):
                text = str(item)
                for old_port, new_port in ((old.http_port, new.http_port),
                                           (old.tarantool_port, new.tarantool_port)):
                    if old_port and new_port:
                        text = re.sub(rf"(?<!\d){old_port}(?!\d)", str(new_port), text)
                ports[index] = _same_type(item, text if isinstance(item, str) else int(text))


def _retarget_value(key: str, value, old: Shard, new: Shard):
    if key == "CFG_LISTEN_PORT" and new.http_port:
        return _same_type(value, str(new.http_port) if not isinstance(value, int) else new.http_port)
    if key == "TT_LISTEN" and new.tarantool_port:
        text = re.sub(r"\d+$", str(new.tarantool_port), str(value))
        return _same_type(value, text if not isinstance(value, int) else int(text))
    if key in ("CFG_LISTEN_HOST",) and old.service and isinstance(value, str) \
            and value == old.service:
        return _same_type(value, new.service)
    return value


def _rename_last(path: str, name: str) -> str:
    head, slash, _last = path.rstrip("/").rpartition("/")
    return f"{head}{slash}{name}"


def _same_type(original, text):
    """`text` as the same kind of scalar as `original` (keeps its quoting style)."""
    from ruamel.yaml.scalarstring import ScalarString

    if isinstance(original, ScalarString):
        return type(original)(text)
    return text
