"""What detection finds: plain data, shared by the plan, the executor and the screens."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ffwizard.i18n import N_, _

Severity = Literal["error", "warning", "info"]
Device = Literal["cpu", "gpu"]

OBJECT_TYPES = ("face", "body", "car")
# Model category (directory under models_root) of each object type's embedding model.
MODEL_CATEGORY = {"face": "face", "body": "pedrec", "car": "carrec"}
# TRANSLATORS: object types (faces, human bodies, cars), as checkbox labels and in lists.
OBJECT_TYPE_WORDS = {"face": N_("face"), "body": N_("body"), "car": N_("car")}


def object_type_word(kind: str) -> str:
    """An object type's display word (`face` stays the key in answers and configs)."""
    return _(OBJECT_TYPE_WORDS[kind]) if kind in OBJECT_TYPE_WORDS else kind


SEVERITY_WORDS = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}


def severity_word(severity: str) -> str:
    """A problem's severity in words of the current language."""
    return _(SEVERITY_WORDS[severity]) if severity in SEVERITY_WORDS else severity


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """A sentence (with a leading space) proposing the closest choice, or nothing."""
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return " " + _("Did you mean '{choice}'?").format(choice=close[0]) if close else ""


SHARDS_DATA_DIR = Path("data/findface-tarantool-server")
COMPOSE_FILE_NAMES = ("docker-compose.yaml", "docker-compose.yml", "compose.yaml", "compose.yml")
EXTRACTION_API_CONFIG = Path("configs/findface-extraction-api/findface-extraction-api.yaml")
SF_API_CONFIG = Path("configs/findface-sf-api/findface-sf-api.yaml")


@dataclass(frozen=True)
class ShardSpec:
    """A new shard as the user gives (or accepts) it (answers, proposals, the Shards screen)."""

    name: str
    http_port: int
    tarantool_port: int

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "http_port": self.http_port,
                "tarantool_port": self.tarantool_port}


@dataclass(frozen=True)
class Problem:
    """Something found wrong or worth knowing: its severity, its sentence and where it sits."""

    severity: Severity
    message: str
    where: str | None = None  # "path[:line]" when the problem sits in a file

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class Shard:
    """One Tarantool shard, as far as the sources tell.

    `name` is the data directory name (`shard-001`); fields a source could not tell are None.
    `data_dir` is the host path (absolute). `url` is the sf-api master URL (`http://127.0.0.1:8101/v2/`).
    """

    name: str
    service: str | None = None
    http_port: int | None = None
    tarantool_port: int | None = None
    tarantool_host: str = "127.0.0.1"
    http_host: str = "127.0.0.1"
    data_dir: str | None = None
    url: str | None = None
    slave_url: str = ""
    memtx_memory: int | None = None  # bytes, from TT_MEMTX_MEMORY
    # Which sources saw this shard: "dir", "compose", "sf-api".
    sources: tuple[str, ...] = ()
    # Its replica (a second tntapi service replicating it), itself a Shard whose `replicates`
    # holds the replication setting naming this shard (`core/replicas.py`); None: no replica.
    replica: Shard | None = None
    replicates: str = ""


@dataclass(frozen=True)
class ComposeService:
    """A service of the compose file, as much of it as detection reads."""

    name: str
    image: str | None
    environment: dict[str, str] = field(default_factory=dict)
    volumes: tuple[str, ...] = ()
    network_mode: str | None = None
    line: int | None = None  # 1-based line of the service key in the compose file


@dataclass(frozen=True)
class NormalizedStorage:
    """Where sf-api keeps the normalized images (webdav or s3), as its config says."""

    type: str  # "webdav" | "s3"
    enabled: bool = True
    webdav_upload_url: str | None = None
    # s3 settings, secrets included: never print this dict; use `public()`.
    s3: dict[str, object] = field(default_factory=dict)

    SECRET_KEYS = ("access-key", "secret-access-key")

    def public(self) -> dict[str, object]:
        """The storage settings with secrets masked, safe to print or log."""
        s3 = {k: ("***" if k in self.SECRET_KEYS and v else v) for k, v in self.s3.items()}
        return {"type": self.type, "enabled": self.enabled,
                "webdav_upload_url": self.webdav_upload_url, "s3": s3}


@dataclass
class Installation:
    """A detected FindFace Multi installation: its files, services, shards and models."""

    root: Path
    compose_file: Path | None
    project: str
    compose_command: list[str] | None  # ["docker", "compose"] | ["docker-compose"] | None (unknown)
    services: dict[str, ComposeService]
    shards: list[Shard]  # the current shards, merged from the three sources
    device: Device
    models: dict[str, str]  # object type -> model file relative to models_root
    models_root: str = "/usr/share/findface-data/models"
    extraction_api_url: str = "http://127.0.0.1:18666"
    sf_api_url: str = "http://127.0.0.1:18411"
    normalized_storage: NormalizedStorage | None = None
    clustering_enabled: bool = False
    problems: list[Problem] = field(default_factory=list)
    # Service names of the parts the migration talks to (detected; vendor names by default).
    sf_api_service: str = "findface-sf-api"
    extraction_api_service: str = "findface-extraction-api"
    legacy_service: str = "findface-multi-legacy"
    extraction_api_image: str | None = None
    # Shard data directories no service uses (kept; their names are never reused).
    leftover_shard_dirs: list[str] = field(default_factory=list)
    # Every port the compose file mentions (new shards must avoid them).
    used_ports: set[int] = field(default_factory=set)
    # Which service mentions each of those ports (for messages).
    port_users: dict[int, str] = field(default_factory=dict)
    # "FindFace Multi" or "FindFace CIBR" (one code base, one procedure).
    product: str = "FindFace Multi"
    # FindFace Multi 2.0's per-shard configs (`shard-001.lua`, …); their names are never reused.
    shard_configs: list[str] = field(default_factory=list)
    # The compose file as detection read it, its text and its data, so that the plan edits what
    # was detected without reading and parsing it again (None: read it). Not part of what the
    # installation is: not shown, compared or saved.
    compose_text: str | None = field(default=None, repr=False, compare=False)
    compose_document: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def container_name(self, service: str) -> str:
        """The container name compose gives a service (v1: underscores, v2: dashes)."""
        if self.compose_command == ["docker-compose"]:
            return f"{self.project}_{service}_1"
        return f"{self.project}-{service}-1"

    def to_public_dict(self) -> dict[str, Any]:
        """JSON-ready view with no secrets."""
        return {
            "root": str(self.root),
            "product": self.product,
            "compose_file": str(self.compose_file) if self.compose_file else None,
            "project": self.project,
            "compose_command": self.compose_command,
            "device": self.device,
            "models": dict(self.models),
            "models_root": self.models_root,
            "extraction_api_url": self.extraction_api_url,
            "sf_api_url": self.sf_api_url,
            "normalized_storage": self.normalized_storage.public() if self.normalized_storage else None,
            "clustering_enabled": self.clustering_enabled,
            "sf_api_service": self.sf_api_service,
            "extraction_api_service": self.extraction_api_service,
            "legacy_service": self.legacy_service,
            "extraction_api_image": self.extraction_api_image,
            "leftover_shard_dirs": list(self.leftover_shard_dirs),
            "shard_configs": list(self.shard_configs),
            "services": sorted(self.services),
            "shards": [shard_public_dict(s) for s in self.shards],
            "problems": [asdict(p) for p in self.problems],
        }


def shard_public_dict(shard: Shard) -> dict[str, Any]:
    public: dict[str, Any] = {
        "name": shard.name,
        "service": shard.service,
        "http_port": shard.http_port,
        "tarantool_port": shard.tarantool_port,
        "data_dir": shard.data_dir,
        "url": shard.url,
        "sources": list(shard.sources),
    }
    if shard.replica is not None:  # only where there is one: the plain shape stays as it was
        public["replica"] = shard_public_dict(shard.replica)
    return public
