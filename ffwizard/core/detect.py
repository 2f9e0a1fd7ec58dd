"""Detection: read an installation's files and describe it. Read-only; needs no Docker Engine.

Every file is read once with PyYAML's C loader (its pure-Python one where libyaml is missing). A missing or malformed file becomes a Problem
naming the file (and line), never an exception: the user sees everything wrong at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ffwizard.core import compose as compose_mod
from ffwizard.core import distributed, multi20, shapes
from ffwizard.core.configs import LEGACY_CONFIG, clustering_enabled, listen_url, read_sf_api
from ffwizard.core.errors import YamlReadError
from ffwizard.core.installation import (
    COMPOSE_FILE_NAMES,
    EXTRACTION_API_CONFIG,
    SF_API_CONFIG,
    ComposeService,
    Installation,
    Problem,
    Shard,
)
from ffwizard.core.models import configured_models_root, model_device, read_models
from ffwizard.core.settings import DEFAULT_ROOT
from ffwizard.core.shapes import (
    SHARD_LUA_DIR,
    SHARD_LUA_NAME,
    WellKnownPaths,
    product_name,
    refusal,
    shard_lua_configs,
)
from ffwizard.core.shards import merge_shards
from ffwizard.core.yamlio import parse_yaml, read_text
from ffwizard.i18n import N_, _, ngettext


def _read(path: Path, what: str, problems: list[Problem], *,
          required: bool = True) -> tuple[str | None, object]:
    """(text, document) or (None, None) with the problem recorded."""
    try:
        text = read_text(path, what=what)
        document = parse_yaml(text, where=str(path), what=what)
        if document is None:  # nothing but blanks and comments
            problems.append(Problem("error", _("the {what} is empty.").format(what=_(what)),
                                    where=str(path)))
        return text, document
    except YamlReadError as err:
        if required or path.exists():
            problems.append(Problem("error", err.message, where=err.where))
        return None, None


def find_compose_file(root: Path) -> Path | None:
    for name in COMPOSE_FILE_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def lua_config_problems(configs: list[str], shard_services: list[ComposeService],
                        shards: list[Shard], root: Path) -> list[Problem]:
    """FindFace Multi 2.0 kept a `shard-NNN.lua` per shard. Supported when the compose file
    runs the shards from their environment; refused when a service mounts its own .lua file,
    since a copied service would load the old shard's file (its ports and data directory)."""
    if not configs:
        return []
    where = str(root / SHARD_LUA_DIR)
    if not shard_services:
        return [Problem("error", ngettext(
            "{count} shard config (shard-*.lua, the FindFace Multi 2.0 layout) but no shard "
            "service in the compose file: ffwizard cannot tell how this shard runs; migrate it "
            "by hand.",
            "{count} shard configs (shard-*.lua, the FindFace Multi 2.0 layout) but no shard "
            "service in the compose file: ffwizard cannot tell how these shards run; migrate "
            "them by hand.", len(configs)).format(count=len(configs)), where=where)]
    mounting = sorted(s.name for s in shard_services
                      if any(SHARD_LUA_NAME.search(volume.split(":")[0].rsplit("/", 1)[-1])
                             for volume in s.volumes))
    if mounting:
        return [Problem("error", ngettext(
            "{count} shard service loads its own shard-*.lua file (the FindFace Multi 2.0 "
            "layout, e.g. {example}); ffwizard cannot write new .lua files for the new shards. "
            "Migrate by hand, or upgrade FindFace Multi first.",
            "{count} shard services load their own shard-*.lua file (the FindFace Multi 2.0 "
            "layout, e.g. {example}); ffwizard cannot write new .lua files for the new shards. "
            "Migrate by hand, or upgrade FindFace Multi first.",
            len(mounting)).format(count=len(mounting), example=mounting[0]), where=where)]
    if len(configs) != len(shards):
        return [Problem("warning", _(
            "{configs} shard configs (shard-*.lua) but {shards} shards in use; the .lua files "
            "are not used by the compose services and are left as they are.").format(
                configs=len(configs), shards=len(shards)), where=where)]
    return []


def not_an_installation(root: Path, sentence: str) -> Installation:
    """What detection returns for a root with no compose file: one blocking problem, no guesses."""
    return Installation(root=root, compose_file=None, project=root.name, compose_command=None,
                        services={}, shards=[], device="cpu", models={},
                        problems=[Problem("error", sentence)])


def detect(root: Path | str = DEFAULT_ROOT, *, compose_command: list[str] | None | Literal[True] = True,
           well_known: WellKnownPaths | None = None) -> Installation:
    """Describe the installation at `root`. `compose_command`: True to detect it, else the value.

    A root with no compose file gives an Installation whose only problem says what the root (or
    this machine, by `well_known` paths) holds instead and what to do; `compose_file` is None.
    `well_known`: the paths outside the root that tell other shapes apart (default
    `shapes.WELL_KNOWN`, looked up at each call so tests can point it elsewhere).
    """
    root = Path(root).expanduser().resolve()
    well_known = well_known or shapes.WELL_KNOWN
    problems: list[Problem] = []
    compose_file = find_compose_file(root) if root.is_dir() else None
    if compose_file is None:
        return not_an_installation(root, refusal(root, well_known))

    # compose
    text, document = _read(compose_file, N_("compose file"), problems)
    if document is not None and not isinstance(document, dict):
        problems.append(Problem("error", _("the compose file is not a mapping."),
                                where=str(compose_file)))
        document = None
    document = document or {}
    text = text or ""
    if document and not isinstance(document.get("services"), dict):
        problems.append(Problem("error", _("the compose file has no services."),
                                where=str(compose_file)))
    services = compose_mod.read_services(document, text)
    project = compose_mod.project_name(compose_file, document)
    command = compose_mod.installed_compose_command() if compose_command is True else compose_command

    # extraction-api
    ex_path = root / EXTRACTION_API_CONFIG
    ex_text, ex_doc = _read(ex_path, N_("extraction-api config"), problems)
    models: dict[str, str] = {}
    models_root = "/usr/share/findface-data/models"
    extraction_url = "http://127.0.0.1:18666"
    if ex_doc is not None:
        extractors = ex_doc.get("extractors") if isinstance(ex_doc, dict) else None
        models, model_problems = read_models(extractors or {}, str(ex_path), ex_text or "")
        problems += model_problems
        models_root = configured_models_root(ex_doc) or models_root
        if isinstance(ex_doc, dict):
            extraction_url = listen_url(ex_doc.get("listen"), extraction_url)

    # sf-api
    sf_path = root / SF_API_CONFIG
    sf_text, sf_doc = _read(sf_path, N_("sf-api config"), problems)
    sf_urls: list[tuple[str, str]] = []
    normalized = None
    sf_api_url = "http://127.0.0.1:18411"
    if sf_doc is not None:
        sf_cfg, sf_problems = read_sf_api(sf_doc, str(sf_path))
        problems += sf_problems
        sf_urls = sf_cfg.shard_urls
        normalized = sf_cfg.normalized_storage
        sf_api_url = listen_url(sf_cfg.listen, sf_api_url)
        if sf_cfg.extraction_api_url:
            extraction_url = sf_cfg.extraction_api_url.rstrip("/")

    # shards
    shard_services = [s for s in services.values() if compose_mod.is_shard_service(s)]
    shards, leftovers, shard_problems = merge_shards(
        root, compose_file.parent, shard_services, sf_urls,
        compose_where=str(compose_file), sf_api_where=str(sf_path), sf_api_text=sf_text or "",
        service_names=set(services))
    lua_shards = multi20.lua_configured_shards(services)
    # Shapes refused as a whole say so in one sentence, not in one problem per shard.
    whole_shape = [multi20.refusal(lua_shards, str(compose_file))] if lua_shards else \
        distributed.problems(services, document, runs_shards=bool(shard_services),
                             sf_urls=sf_urls, sf_where=str(sf_path),
                             compose_where=str(compose_file))
    problems += whole_shape or shard_problems
    shard_configs = shard_lua_configs(root)
    if not whole_shape:
        problems += lua_config_problems(shard_configs, shard_services, shards, root)

    # services the migration talks to
    def find_service(default: str, marker: str) -> str:
        if default in services:
            return default
        for name, service in services.items():
            if marker in name or marker in (service.image or ""):
                return name
        return default

    sf_api_service = find_service("findface-sf-api", "sf-api")
    # By its image: a balancer (findface-extraction-api-lb) has the same words in its name.
    extraction_service = next((name for name, service in services.items()
                               if distributed.is_extraction_service(service)),
                              "findface-extraction-api")  # absent: preflight says so
    legacy_service = find_service("findface-multi-legacy", "multi-legacy")
    image = services[extraction_service].image if extraction_service in services else None

    # device: the image says it; else the models' suffixes
    device: Literal["cpu", "gpu"] | None = None
    if image and "extraction-api-gpu" in image:
        device = "gpu"
    elif image and "extraction-api-cpu" in image:
        device = "cpu"
    suffixes = {model_device(m) for m in models.values()} - {None}
    if device is None:
        device = "gpu" if "gpu" in suffixes else "cpu"
    if device == "cpu" and "gpu" in suffixes:
        problems.append(Problem("error", _(
            "the extraction service runs on CPU (image {image}) but uses GPU models ({models}): "
            "fix the installation before migrating.").format(
                image=image, models=", ".join(sorted(models.values()))), where=str(ex_path)))

    installation = Installation(
        root=root,
        compose_file=compose_file,
        project=project,
        compose_command=command,
        services=services,
        shards=shards,
        device=device,
        models=models,
        models_root=models_root,
        extraction_api_url=extraction_url,
        sf_api_url=sf_api_url,
        normalized_storage=normalized,
        clustering_enabled=clustering_enabled(root),
        problems=problems,
        sf_api_service=sf_api_service,
        extraction_api_service=extraction_service,
        legacy_service=legacy_service,
        extraction_api_image=image,
        leftover_shard_dirs=leftovers,
        used_ports=compose_mod.used_ports(services, document),
        port_users=compose_mod.port_users(services, document),
        product=product_name(root, well_known),
        shard_configs=shard_configs,
        compose_text=text if isinstance(document.get("services"), dict) else None,
        compose_document=document if isinstance(document.get("services"), dict) else None,
    )
    return installation


__all__ = ["detect", "find_compose_file", "LEGACY_CONFIG"]
