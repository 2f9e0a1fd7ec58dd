"""Reading findface-sf-api.yaml the way the simulated sf-api and its tools need it."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from ffwizard.demo.containerfs import resolve
from ffwizard.demo.goflags import config_flag

DEFAULT_CONFIG = "/etc/findface-sf-api.ini"


class SfApiConfigError(Exception):
    pass


@dataclass(frozen=True)
class SfApiConfig:
    listen: str
    shards: tuple[str, ...]  # master URLs ending in /v2/
    extraction_api: str
    upload_url: str | None


def config_path_from(argv: list[str]) -> str:
    return config_flag(argv, DEFAULT_CONFIG)


def load(path_setting: str) -> SfApiConfig:
    try:
        with open(resolve(path_setting)) as f:
            data = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as err:
        raise SfApiConfigError(f"cannot read {path_setting}: {err.strerror or err}") from err
    except yaml.YAMLError as err:
        raise SfApiConfigError(f"{path_setting} is not valid YAML: {err}") from err
    try:
        shards = tuple(str(s["master"]) for s in data["storage-api"]["shards"])
    except (KeyError, TypeError) as err:
        raise SfApiConfigError(f"{path_setting}: storage-api.shards is missing or malformed") from err
    storage = data.get("normalized-storage") or {}
    upload = (storage.get("webdav") or {}).get("upload-url") if storage.get("type", "webdav") == "webdav" else None
    extraction = (data.get("extraction-api") or {}).get("extraction-api", "http://127.0.0.1:18666")
    return SfApiConfig(str(data.get("listen") or "127.0.0.1:18411"), shards, str(extraction), upload)
