"""A simulated `storage-api-dump`: `python -m ffwizard.demo.dump_tool -config /etc/findface-sf-api.ini`.

Dumps every gallery of every shard listed in the sf-api config into the current directory: one
file per shard and gallery, `<host>_<port>/<gallery>.jsonl` (one object a line), and
`manifest.json` with the counts. Exit 1 when a shard does not answer or the disk is full.
Fault knob: FFSIM_DUMP_NO_SPACE=1 fails halfway with "no space left on device".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from ffwizard.demo import faults, goflags, sfapi_config
from ffwizard.demo.httpkit import Client, HttpError
from ffwizard.demo.migrate_tool import say

PROGRAM = "/storage-api-dump"
FLAGS = [goflags.Flag("config", str, sfapi_config.DEFAULT_CONFIG, "path to the sf-api config file")]
PAGE = 5000


def dump_shard(url: str, out_dir: Path, budget: list[int] | None) -> dict[str, int]:
    client = Client(url, timeout=30)
    counts = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    for g in client.json("GET", "/galleries")["galleries"]:
        name, after, written = g["name"], None, 0
        with open(out_dir / f"{name}.jsonl", "w") as f:
            f.write(json.dumps({"gallery": name, "model": g["model"]}) + "\n")
            while True:
                query = f"/galleries/{name}/objects?limit={PAGE}" + (f"&after={after}" if after is not None else "")
                page = client.json("GET", query)
                for obj in page["objects"]:
                    if budget is not None:
                        budget[0] -= 1
                        if budget[0] < 0:
                            raise OSError(28, "no space left on device", str(out_dir / f"{name}.jsonl"))
                    f.write(json.dumps(obj) + "\n")
                written += len(page["objects"])
                after = page["next"]
                if after is None:
                    break
        counts[name] = written
    client.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        values = goflags.parse(PROGRAM, FLAGS, argv)
    except goflags.FlagError as err:
        print(f"{err}\n{goflags.usage_text(PROGRAM, FLAGS)}", file=sys.stderr)
        return 2
    if values is None:
        return 0
    try:
        config = sfapi_config.load(str(values["config"]))
    except sfapi_config.SfApiConfigError as err:
        say(f"error: {err}")
        return 1
    budget = None
    if faults.knob("FFSIM_DUMP_NO_SPACE"):
        budget = [50]  # room for a few objects, then the disk is "full"
    manifest = {"shards": {}}
    for url in config.shards:
        parts = urlsplit(url)
        folder = Path(f"{parts.hostname}_{parts.port}")
        try:
            counts = dump_shard(url, folder, budget)
        except OSError as err:
            say(f"error: dumping {url}: write {err.filename or folder}: {err.strerror or err}")
            return 1
        except HttpError as err:
            say(f"error: dumping {url}: {err}")
            return 1
        manifest["shards"][url] = counts
        say(f"dumped {sum(counts.values())} objects in {len(counts)} galleries from {url}")
    Path("manifest.json").write_text(json.dumps(manifest, indent=1))
    total = sum(sum(c.values()) for c in manifest["shards"].values())
    say(f"dump finished: {total} objects from {len(config.shards)} shards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
