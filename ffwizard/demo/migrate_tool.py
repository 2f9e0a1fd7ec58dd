"""A simulated `sf-api-migrate`: `python -m ffwizard.demo.migrate_tool -config migration.yaml`.

Copies every object of every gallery from the `storage-api-from` shards to the `storage-api-to`
shards (shard i to shard i when both lists are as long, else by object id), its vector
re-extracted by the extraction service from the normalized image in the upload store.
`workers_num` threads work on (shard, gallery) units, reading pages of `objects_limit` objects
and extracting batches of `extraction_batch_size`; each page is added to its new shard in one
request. Progress goes to stdout in the vendor's log style.

Exit status: 0 done, 1 failed while running, 2 refused (bad flags or config).
Fault knobs: FFSIM_MIGRATE_DIE_AFTER, FFSIM_PACE, FFSIM_CHATTER_LINES_PER_S (see
ffwizard.demo.faults).
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time

import yaml

from ffwizard.demo import catalog, faults, goflags
from ffwizard.demo.containerfs import resolve
from ffwizard.demo.httpkit import Client, HttpError
from ffwizard.demo.lifeline import watch_owner

PROGRAM = "./sf-api-migrate"
FLAGS = [
    goflags.Flag("config", str, "", "path to the migration config file (YAML)"),
    goflags.Flag("pace", int, 0, "copy at most this many objects per second (0: as fast as possible)"),
    goflags.Flag("progress-interval", float, 1.0, "seconds between progress lines"),
]
EXIT_FAILED, EXIT_REFUSED = 1, 2


class ConfigError(Exception):
    pass


def say(line: str) -> None:
    stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())
    sys.stdout.write(f"{stamp} {line}\n")
    sys.stdout.flush()


# --- the config --------------------------------------------------------------------------
def _shards(config: dict, key: str) -> list[str]:
    section = config.get(key)
    if not isinstance(section, dict):
        raise ConfigError(f"{key}: missing (a mapping with `shards`)")
    shards = section.get("shards")
    if not isinstance(shards, list) or not shards:
        raise ConfigError(f"{key}.shards: missing or empty (a list of {{master: URL, slave: ''}})")
    urls = []
    for i, shard in enumerate(shards):
        master = shard.get("master") if isinstance(shard, dict) else None
        if not isinstance(master, str) or not master.startswith("http://"):
            raise ConfigError(f"{key}.shards[{i}].master: expected an http:// URL, got {master!r}")
        urls.append(master if master.endswith("/") else master + "/")
    if len(set(urls)) != len(urls):
        raise ConfigError(f"{key}.shards: a shard is listed twice")
    return urls


def _positive_int(config: dict, key: str) -> int:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{key}: expected a positive integer, got {value!r}")
    return value


def load_config(path: str) -> dict:
    try:
        with open(resolve(path)) as f:
            config = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror or err}") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"not valid YAML: {err}") from err
    if not isinstance(config, dict):
        raise ConfigError("expected a mapping at the top level")
    known = {"extraction-api", "storage-api-from", "storage-api-to", "workers_num", "objects_limit",
             "extraction_batch_size", "normalized_storage"}
    unknown = sorted(set(config) - known)
    if unknown:
        raise ConfigError(f"unknown key(s): {', '.join(unknown)}")
    extraction = config.get("extraction-api")
    url = extraction.get("extraction-api") if isinstance(extraction, dict) else None
    if not isinstance(url, str) or not url.startswith("http://"):
        raise ConfigError("extraction-api.extraction-api: expected an http:// URL")
    source, target = _shards(config, "storage-api-from"), _shards(config, "storage-api-to")
    overlap = set(source) & set(target)
    if overlap:
        raise ConfigError(f"storage-api-to lists a shard it migrates from: {sorted(overlap)[0]}")
    storage = config.get("normalized_storage")
    if not isinstance(storage, dict):
        raise ConfigError("normalized_storage: missing")
    if storage.get("enabled") is not True:
        raise ConfigError("normalized_storage.enabled is not true: objects cannot be re-extracted "
                          "without their normalized images")
    kind = storage.get("type")
    if kind == "s3":
        raise ConfigError("normalized_storage.type s3 is not available in the simulated installation")
    if kind != "webdav":
        raise ConfigError(f"normalized_storage.type: expected webdav or s3, got {kind!r}")
    upload = (storage.get("webdav") or {}).get("upload-url")
    if not isinstance(upload, str) or not upload.startswith("http://"):
        raise ConfigError("normalized_storage.webdav.upload-url: expected an http:// URL")
    return {
        "extraction_api": url, "source": source, "target": target, "upload_url": upload,
        "workers": _positive_int(config, "workers_num"),
        "objects_limit": _positive_int(config, "objects_limit"),
        "batch": _positive_int(config, "extraction_batch_size"),
    }


# --- the copy ----------------------------------------------------------------------------
class Fatal(Exception):
    pass


class Counter:
    """Objects copied so far; enforces FFSIM_MIGRATE_DIE_AFTER exactly."""

    def __init__(self, die_after: int | None):
        self.lock = threading.Lock()
        self.done = 0
        self.reserved = 0
        self.skipped = 0
        self.die_after = die_after

    def reserve(self, n: int) -> int:
        with self.lock:
            if self.die_after is None:
                self.reserved += n
                return n
            room = max(0, min(n, self.die_after - self.reserved))
            self.reserved += room
            return room

    def add(self, n: int) -> None:
        with self.lock:
            self.done += n
            if self.die_after is not None and self.done >= self.die_after:
                sys.stdout.flush()
                os.kill(os.getpid(), signal.SIGKILL)


class Pacer:
    def __init__(self, rate: int):
        self.rate = rate
        self.lock = threading.Lock()
        self.next_time = time.monotonic()

    def take(self, n: int) -> None:
        if not self.rate:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_time)
            self.next_time = start + n / self.rate
        delay = start - now
        if delay > 0:
            time.sleep(delay)


def chatter(setting: str, stop: threading.Event) -> None:
    """FFSIM_CHATTER_LINES_PER_S: print `setting` lines a second (or as many as the file named
    `setting` says, read again every 0.2 s) until `stop` is set, evenly every 10 ms."""
    rate, checked, emitted, number = 0.0, 0.0, 0.0, 0
    last = time.monotonic()
    while not stop.wait(0.01):
        now = time.monotonic()
        if now - checked >= 0.2:
            checked = now
            try:
                text = open(setting).read() if not setting.strip().isdigit() else setting
                rate = max(0.0, float(text.strip() or 0))
            except (OSError, ValueError):
                rate = 0.0
        emitted += rate * (now - last)
        last = now
        count = int(emitted)
        if count:
            emitted -= count
            stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())
            sys.stdout.write("".join(
                f"{stamp} debug: ffsec_face_events object {number + i:09d} re-extracted, 512 floats\n"
                for i in range(count)))
            sys.stdout.flush()
            number += count


class Migration:
    def __init__(self, config: dict, pace: int, progress_interval: float):
        self.config = config
        self.counter = Counter(faults.int_knob("FFSIM_MIGRATE_DIE_AFTER"))
        self.pacer = Pacer(pace)
        self.progress_interval = progress_interval
        self.local = threading.local()
        self.failure: str | None = None
        self.stop = threading.Event()

    def client(self, url: str) -> Client:
        clients = getattr(self.local, "clients", None)
        if clients is None:
            clients = self.local.clients = {}
        if url not in clients:
            clients[url] = Client(url, timeout=60)
        return clients[url]

    def call(self, url: str, method: str, path: str, payload=None, what: str = ""):
        for attempt in range(4):
            try:
                return self.client(url).json(method, path, payload)
            except HttpError as err:
                if err.status == 409:
                    raise Fatal(f"{what}: {url.rstrip('/')}{path} refused: {err}") from err
                if attempt == 3:
                    raise Fatal(f"{what}: {err}") from err
            except OSError as err:
                if attempt == 3:
                    raise Fatal(f"{what}: {url} does not answer: {err}") from err
            time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def plan(self) -> list[tuple[int, str, int]]:
        units = []
        for index, url in enumerate(self.config["source"]):
            answer = self.call(url, "GET", "/galleries", what="listing galleries")
            for g in answer["galleries"]:
                if g["count"]:
                    units.append((index, g["name"], g["count"]))
        return units

    def run_unit(self, index: int, gallery: str, count: int) -> None:
        cfg = self.config
        source = cfg["source"][index]
        object_type = catalog.gallery_type(gallery) or "face"
        after = None
        while not self.stop.is_set():
            query = f"/galleries/{gallery}/objects?limit={cfg['objects_limit']}"
            if after is not None:
                query += f"&after={after}"
            page = self.call(source, "GET", query, what=f"reading {gallery}")
            objects = page["objects"]
            if not objects:
                break
            images = self.call(cfg["upload_url"].split("/uploads")[0], "POST", "/uploads-batch",
                               {"paths": [o[2] for o in objects]}, what="fetching normalized images")["images"]
            present = [(o, img) for o, img in zip(objects, images) if img is not None]
            if len(present) < len(objects):
                with self.counter.lock:
                    self.counter.skipped += len(objects) - len(present)
            chunk = cfg["batch"] if self.pacer.rate else max(cfg["objects_limit"], 1)
            for start in range(0, len(present), chunk):
                self._copy(present[start:start + chunk], gallery, object_type, index)
            after = page["next"]
            if after is None:
                break

    def _copy(self, present, gallery, object_type, index) -> None:
        cfg = self.config
        model, out = None, []
        for start in range(0, len(present), cfg["batch"]):
            batch = present[start:start + cfg["batch"]]
            answer = self.call(cfg["extraction_api"], "POST", "/v2/sim/extract",
                               {"object_type": object_type, "images": [img for _, img in batch]},
                               what="extracting")
            model = answer["model"]
            out.extend([o[0], vec, o[2]] for (o, _), vec in zip(batch, answer["vectors"]))
        targets = cfg["target"]
        if len(targets) == len(cfg["source"]):
            groups = {targets[index]: out}
        else:
            groups = {}
            for row in out:
                groups.setdefault(targets[int(row[0]) % len(targets)], []).append(row)
        for target, rows in groups.items():
            allowed = self.counter.reserve(len(rows))
            rows = rows[:allowed]
            self.pacer.take(len(rows))
            if rows:
                self.call(target, "POST", f"/galleries/{gallery}/objects", {"model": model, "objects": rows},
                          what=f"adding to {gallery}")
            self.counter.add(len(rows))
            if allowed == 0:
                return

    def worker(self, units: queue.Queue) -> None:
        while not self.stop.is_set():
            try:
                unit = units.get_nowait()
            except queue.Empty:
                return
            try:
                self.run_unit(*unit)
            except Fatal as err:
                self.failure = str(err)
                self.stop.set()
            except Exception as err:  # report, do not hang the other workers
                self.failure = f"{type(err).__name__}: {err}"
                self.stop.set()

    def run(self) -> int:
        cfg = self.config
        say(f"migration: {len(cfg['source'])} shards -> {len(cfg['target'])} shards, "
            f"workers_num {cfg['workers']}, objects_limit {cfg['objects_limit']}, "
            f"extraction_batch_size {cfg['batch']}")
        try:
            extraction = self.client(cfg["extraction_api"]).json("GET", "/v2/models")
            units = self.plan()
        except (Fatal, OSError, HttpError) as err:
            say(f"error: {err}")
            return EXIT_FAILED
        for object_type, model in sorted(extraction["models"].items()):
            say(f"extraction-api: {object_type} -> {model}")
        total = sum(count for _, _, count in units)
        say(f"found {len({u[1] for u in units})} galleries, {total} objects on {len(cfg['source'])} shards")
        work: queue.Queue = queue.Queue()
        for unit in sorted(units, key=lambda u: -u[2]):
            work.put(unit)
        started = time.monotonic()
        threads = [threading.Thread(target=self.worker, args=(work,), daemon=True)
                   for _ in range(cfg["workers"])]
        for thread in threads:
            thread.start()
        chatter_done = threading.Event()
        if (setting := faults.knob("FFSIM_CHATTER_LINES_PER_S")) is not None:
            threading.Thread(target=chatter, args=(setting, chatter_done), daemon=True).start()
        next_report = time.monotonic() + self.progress_interval
        while any(t.is_alive() for t in threads):
            time.sleep(0.02)
            if time.monotonic() >= next_report:
                self._progress(total, started)
                next_report += self.progress_interval
        chatter_done.set()
        elapsed = time.monotonic() - started
        if self.failure:
            say(f"error: {self.failure}")
            say(f"migration failed after {self.counter.done}/{total} objects")
            return EXIT_FAILED
        self._progress(total, started)
        if self.counter.skipped:
            say(f"warning: {self.counter.skipped} objects skipped: their normalized images are missing")
        rate = self.counter.done / elapsed if elapsed > 0 else 0.0
        say(f"migration finished: {self.counter.done} objects in {elapsed:.1f}s ({rate:.0f} objects/s)")
        return 0

    def _progress(self, total: int, started: float) -> None:
        done = self.counter.done
        elapsed = max(time.monotonic() - started, 1e-6)
        percent = 100.0 * done / total if total else 100.0
        say(f"progress: {done}/{total} objects ({percent:.1f}%), {done / elapsed:.0f} objects/s")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        values = goflags.parse(PROGRAM, FLAGS, argv)
    except goflags.FlagError as err:
        print(f"{err}\n{goflags.usage_text(PROGRAM, FLAGS)}", file=sys.stderr)
        return EXIT_REFUSED
    if values is None:
        return 0
    if not values["config"]:
        print(f"-config is required\n{goflags.usage_text(PROGRAM, FLAGS)}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        config = load_config(str(values["config"]))
    except ConfigError as err:
        print(f"sf-api-migrate: config {values['config']}: {err}", file=sys.stderr)
        return EXIT_REFUSED
    pace = int(values["pace"]) or (faults.int_knob("FFSIM_PACE") or 0)
    watch_owner()
    return Migration(config, pace, float(values["progress-interval"])).run()


if __name__ == "__main__":
    sys.exit(main())
