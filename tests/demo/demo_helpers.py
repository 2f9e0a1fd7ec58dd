"""Helpers of the simulation's own tests."""

from __future__ import annotations

import time
from pathlib import Path

from ffwizard.demo import catalog, scenario
from ffwizard.demo.httpkit import Client
from ffwizard.demo.sandbox import open_sandbox

NEW_MODEL = {t: names[-1] for t, names in catalog.EMBEDDING_MODELS.items()}


def galleries(url: str) -> dict[str, int]:
    client = Client(url, timeout=5)
    try:
        return {g["name"]: g["count"] for g in client.json("GET", "/galleries")["galleries"]}
    finally:
        client.close()


def per_gallery(urls: list[str]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for url in urls:
        for name, count in galleries(url).items():
            totals[name] = totals.get(name, 0) + count
    return totals


def all_objects(url: str, gallery: str) -> list:
    client, after, out = Client(url), None, []
    while True:
        query = f"/galleries/{gallery}/objects?limit=500" + (f"&after={after}" if after is not None else "")
        page = client.json("GET", query)
        out += page["objects"]
        after = page["next"]
        if after is None:
            client.close()
            return out


def ready_for_migration(demo) -> tuple[object, list[str], list[str]]:
    """Vendor steps 2-4 on the sandbox: new shards up, new models loaded; writes migration.yaml
    into the sf-api container. Returns (sandbox, old URLs, new URLs)."""
    box = open_sandbox(demo.root)
    old = [box.shard_url(i) for i in range(box.shards)]
    new = scenario.add_new_shards(box)
    assert demo.runtime.compose_up().exit_code == 0
    for object_type in box.types:
        scenario.set_extraction_model(box, object_type,
                                      catalog.model_file(object_type, NEW_MODEL[object_type], box.device))
    demo.runtime.restart("findface-extraction-api")
    write_migration_yaml(demo, box, old, new)
    return box, old, new


def write_migration_yaml(demo, box, old, new, text: str | None = None) -> Path:
    path = scenario.write_file(box.root / "migration.yaml", text or scenario.migration_yaml(box, old, new))
    demo.runtime.copy_in("findface-sf-api", path, "/")
    return path


def log_text(demo, service: str) -> str:
    return (demo.root / ".sim" / "logs" / f"{service}.log").read_text()


def wait_for(predicate, timeout: float = 5.0, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
