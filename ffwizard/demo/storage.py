"""A simulated shard's galleries on disk, the way Tarantool keeps them: a snapshot in
`snapshots/` plus an append-only write-ahead log in `xlogs/`.

A snapshot is written to a temporary file and renamed; log records are appended one line each
and replayed on start, so a crash loses at most a half-written last line (skipped on replay).
"""

from __future__ import annotations

import bisect
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

SNAP_SUFFIX = ".snap"
XLOG_SUFFIX = ".xlog"


class GalleryConflict(Exception):
    """An add that the gallery refuses (another model, an id it already holds)."""


@dataclass
class Gallery:
    model: str
    objects: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (vector, image path)
    _sorted: list[int] | None = None

    def sorted_ids(self) -> list[int]:
        if self._sorted is None:
            self._sorted = sorted(self.objects)
        return self._sorted


class ShardStore:
    def __init__(self, work_dir: Path, checkpoint_count: int = 2):
        self.work_dir = Path(work_dir)
        self.snap_dir = self.work_dir / "snapshots"
        self.xlog_dir = self.work_dir / "xlogs"
        self.checkpoint_count = max(1, checkpoint_count)
        self.galleries: dict[str, Gallery] = {}
        self.lsn = 0
        self.snapshot_lsn = -1  # lsn of the newest snapshot on disk (-1: none)
        self._lock = threading.Lock()
        self._xlog = None

    # --- loading ---------------------------------------------------------------------------
    def load(self) -> ShardStore:
        for d in (self.snap_dir, self.xlog_dir, self.work_dir / "index"):
            d.mkdir(parents=True, exist_ok=True)
        snaps = sorted(self.snap_dir.glob("*" + SNAP_SUFFIX))
        snap_lsn = 0
        if snaps:
            data = json.loads(snaps[-1].read_text())
            snap_lsn = data["lsn"]
            for name, g in data["galleries"].items():
                self.galleries[name] = Gallery(g["model"], {int(i): (v, p) for i, v, p in g["objects"]})
        self.lsn = snap_lsn
        self.snapshot_lsn = snap_lsn if snaps else -1
        for xlog in sorted(self.xlog_dir.glob("*" + XLOG_SUFFIX)):
            with open(xlog, "rb") as f:
                for raw in f:
                    try:
                        record = json.loads(raw)
                    except ValueError:
                        break  # a torn last line
                    if record["lsn"] <= snap_lsn:
                        continue
                    self._apply(record)
                    self.lsn = record["lsn"]
        return self

    def _apply(self, record: dict) -> None:
        gallery = self.galleries.get(record["g"])
        if gallery is None:
            gallery = self.galleries[record["g"]] = Gallery(record["m"])
        if record["op"] == "update":
            gallery.model = record["m"]
        for object_id, vec, image in record["o"]:
            gallery.objects[int(object_id)] = (vec, image)
        gallery._sorted = None

    # --- writing ---------------------------------------------------------------------------
    def _log(self, record: dict) -> None:
        if self._xlog is None:
            self._xlog = open(self.xlog_dir / f"{self.lsn:020d}{XLOG_SUFFIX}", "ab")
        self._xlog.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        self._xlog.flush()

    def add(self, gallery_name: str, model: str, objects: list) -> int:
        """Add new objects `[[id, vector, image], ...]`; refuse another model or a known id."""
        with self._lock:
            gallery = self.galleries.get(gallery_name)
            if gallery is not None and gallery.model != model:
                raise GalleryConflict(
                    f"gallery {gallery_name} holds vectors of model {gallery.model}, not {model}")
            if gallery is not None:
                for object_id, _, _ in objects:
                    if int(object_id) in gallery.objects:
                        raise GalleryConflict(f"gallery {gallery_name} already holds object {object_id}")
            self.lsn += 1
            record = {"lsn": self.lsn, "op": "add", "g": gallery_name, "m": model, "o": objects}
            self._log(record)
            self._apply(record)
            return len(objects)

    def update(self, gallery_name: str, model: str, objects: list) -> int:
        """Replace vectors of objects the gallery holds (cluster re-generation)."""
        with self._lock:
            gallery = self.galleries.get(gallery_name)
            if gallery is None:
                raise GalleryConflict(f"no gallery {gallery_name}")
            if gallery.model != model:
                raise GalleryConflict(
                    f"gallery {gallery_name} holds vectors of model {gallery.model}, not {model}")
            missing = [o[0] for o in objects if int(o[0]) not in gallery.objects]
            if missing:
                raise GalleryConflict(f"gallery {gallery_name} has no object {missing[0]}")
            self.lsn += 1
            record = {"lsn": self.lsn, "op": "update", "g": gallery_name, "m": model, "o": objects}
            self._log(record)
            self._apply(record)
            return len(objects)

    def checkpoint(self) -> Path | None:
        """Write a snapshot of everything (atomically) and start a new log; nothing when the
        newest snapshot already holds everything (an idle shard's files stay as they are)."""
        with self._lock:
            if self.lsn == self.snapshot_lsn:
                return None
            data = {"lsn": self.lsn, "galleries": {
                name: {"model": g.model, "objects": [[i, v, p] for i, (v, p) in g.objects.items()]}
                for name, g in self.galleries.items()}}
            path = self.snap_dir / f"{self.lsn:020d}{SNAP_SUFFIX}"
            tmp = path.with_suffix(".inprogress")
            with open(tmp, "w") as f:
                json.dump(data, f, separators=(",", ":"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            self.snapshot_lsn = self.lsn
            if self._xlog is not None:
                self._xlog.close()
                self._xlog = None
            snaps = sorted(self.snap_dir.glob("*" + SNAP_SUFFIX))
            for old in snaps[:-self.checkpoint_count]:
                old.unlink()
            for xlog in self.xlog_dir.glob("*" + XLOG_SUFFIX):
                if int(xlog.stem) < self.lsn:  # fully covered by the snapshot
                    xlog.unlink()
            return path

    # --- reading ---------------------------------------------------------------------------
    def list(self, gallery_name: str, after: int | None, limit: int) -> tuple[list, int | None]:
        """Objects with id > `after`, at most `limit`, and the cursor of the next page."""
        with self._lock:
            gallery = self.galleries.get(gallery_name)
            if gallery is None:
                return [], None
            ids = gallery.sorted_ids()
            start = bisect.bisect_right(ids, after) if after is not None else 0
            page = ids[start:start + limit]
            objects = [[i, *gallery.objects[i]] for i in page]
            more = start + limit < len(ids)
            return objects, (page[-1] if more and page else None)

    def stats(self) -> list[dict]:
        with self._lock:
            return [{"name": n, "count": len(g.objects), "model": g.model}
                    for n, g in sorted(self.galleries.items())]

    def close(self) -> None:
        if self._xlog is not None:
            self._xlog.close()
            self._xlog = None
