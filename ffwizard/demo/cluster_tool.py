"""A simulated `manage.py migrate_clusters` of the legacy (Django) container:
`python -m ffwizard.demo.cluster_tool migrate_clusters --face --body --car --use-best-event
--use-thumbnail --force-clustering`.

Reads the legacy settings (/etc/findface-security/config.py, or FFSECURITY_CONFIG) for
'CLUSTERING_ENABLED' and 'SF_API_ADDRESS'; asks sf-api which shards it uses; re-extracts the
vectors of each given type's cluster gallery (`ffsec_<type>_clusters`) with the extraction
service's current model and writes them back. A cluster gallery still holding another model
(sf-api not yet pointed at migrated shards) is refused: exit 1.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys

from ffwizard.demo import catalog
from ffwizard.demo.containerfs import resolve
from ffwizard.demo.httpkit import Client, HttpError
from ffwizard.demo.migrate_tool import say

DEFAULT_SETTINGS = "/etc/findface-security/config.py"
PAGE = 1000


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # Django's CommandError: usage line, message, exit 2
        self.print_usage(sys.stderr)
        print(f"manage.py migrate_clusters: error: {message}", file=sys.stderr)
        sys.exit(2)


def read_settings(path: str) -> dict:
    """Top-level literal assignments of a Django settings file, merged with its FFSECURITY dict."""
    tree = ast.parse(resolve(path).read_text(), filename=path)
    settings: dict = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                settings[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    merged = dict(settings)
    if isinstance(settings.get("FFSECURITY"), dict):
        merged.update(settings["FFSECURITY"])
    return merged


def regenerate(gallery: str, object_type: str, sf_config: dict) -> tuple[int, str | None]:
    upload = Client(sf_config["upload_url"].split("/uploads")[0])
    extraction = Client(sf_config["extraction_api"])
    model = extraction.json("GET", "/v2/models")["models"].get(object_type)
    if not model:
        raise RuntimeError(f"the extraction-api has no {object_type} model")
    done = 0
    for url in sf_config["shards"]:
        shard, after = Client(url), None
        while True:
            query = f"/galleries/{gallery}/objects?limit={PAGE}" + (f"&after={after}" if after is not None else "")
            page = shard.json("GET", query)
            objects = page["objects"]
            if objects:
                images = upload.json("POST", "/uploads-batch", {"paths": [o[2] for o in objects]})["images"]
                rows = [(o, img) for o, img in zip(objects, images) if img]
                vectors = extraction.json("POST", "/v2/sim/extract", {
                    "object_type": object_type, "images": [img for _, img in rows]})["vectors"] if rows else []
                shard.json("POST", f"/galleries/{gallery}/objects/update", {
                    "model": model, "objects": [[o[0], v, o[2]] for (o, _), v in zip(rows, vectors)]})
                done += len(rows)
            after = page["next"]
            if after is None:
                break
    return done, model


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "migrate_clusters":
        name = argv[0] if argv else ""
        print(f"Unknown command: {name!r}\nType 'manage.py help' for usage.", file=sys.stderr)
        return 1
    parser = ArgumentParser(prog="manage.py migrate_clusters",
                            description="Regenerate cluster event vectors and re-run clustering.")
    for object_type in catalog.OBJECT_TYPES:
        parser.add_argument(f"--{object_type}", action="store_true", help=f"migrate {object_type} clusters")
    parser.add_argument("--use-best-event", action="store_true")
    parser.add_argument("--use-thumbnail", action="store_true")
    parser.add_argument("--force-clustering", action="store_true")
    args = parser.parse_args(argv[1:])
    types = [t for t in catalog.OBJECT_TYPES if getattr(args, t)]
    if not types:
        parser.error("give at least one object type: --face, --body, --car")
    settings_path = os.environ.get("FFSECURITY_CONFIG", DEFAULT_SETTINGS)
    try:
        settings = read_settings(settings_path)
    except (OSError, SyntaxError) as err:
        print(f"CommandError: cannot read settings {settings_path}: {err}", file=sys.stderr)
        return 1
    if not settings.get("CLUSTERING_ENABLED"):
        say("clustering is disabled (CLUSTERING_ENABLED is not True): nothing to migrate")
        return 0
    sf_api = str(settings.get("SF_API_ADDRESS") or "http://127.0.0.1:18411")
    try:
        sf_config = Client(sf_api).json("GET", "/v2/sim/config")
        for object_type in types:
            gallery = f"ffsec_{object_type}_clusters"
            count, model = regenerate(gallery, object_type, sf_config)
            say(f"{object_type}: {count} cluster vectors of {gallery} regenerated with {model}"
                f"{' (best events' + (', thumbnails' if args.use_thumbnail else '') + ')' if args.use_best_event else ''}")
    except HttpError as err:
        print(f"CommandError: {err}", file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as err:
        print(f"CommandError: {err}", file=sys.stderr)
        return 1
    if args.force_clustering:
        say(f"clustering scheduled for {', '.join(types)} (forced)")
    say("migrate_clusters finished")
    return 0


if __name__ == "__main__":
    sys.exit(main())
