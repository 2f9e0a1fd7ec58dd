"""A simulated findface-upload (the normalized-image store, webdav-like):
`python -m ffwizard.demo.upload_server`.

Listens on UPLOAD_LISTEN (compose environment, default 127.0.0.1:3333) and keeps files under
UPLOAD_ROOT (default /var/lib/ffupload, the container side of the data volume).

  GET  /uploads/<path>        the file (404 when absent); GET /uploads/ -> 200 listing
  PUT  /uploads/<path>        store a file (201)
  POST /uploads-batch         {"paths": [...]} -> {"images": [base64|null, ...]} — lets the
                              simulated tools fetch a page of images in one round trip
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

from ffwizard.demo.containerfs import resolve
from ffwizard.demo.httpkit import JsonHandler, serve, split_listen

PREFIX = "/uploads/"


class UploadHandler(JsonHandler):
    root: Path

    def _file(self, rel: str) -> Path | None:
        target = (self.root / rel).resolve()
        if not str(target).startswith(str(self.root.resolve()) + os.sep):
            return None  # outside the store
        return target

    def route(self, method, path, query, body):
        if path.rstrip("/") == "/uploads" and method in ("GET", "HEAD"):
            names = sorted(p.name for p in self.root.iterdir()) if self.root.is_dir() else []
            return 200, {"entries": names}, None
        if path.startswith(PREFIX):
            target = self._file(path[len(PREFIX):])
            if target is None:
                return 403, {"error": "forbidden"}, None
            if method in ("GET", "HEAD"):
                if not target.is_file():
                    return 404, {"error": "not found"}, None
                return 200, target.read_bytes(), "image/png"
            if method == "PUT":
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".part")
                tmp.write_bytes(body)
                os.replace(tmp, target)
                return 201, {"stored": path}, None
        if path == "/uploads-batch" and method == "POST":
            images = []
            for rel in json.loads(body)["paths"]:
                target = self._file(rel)
                try:
                    images.append(base64.b64encode(target.read_bytes()).decode() if target else None)
                except OSError:
                    images.append(None)
            return 200, {"images": images}, None
        return 404, {"error": "not found"}, None


def main(argv: list[str] | None = None) -> int:
    host, port = split_listen(os.environ.get("UPLOAD_LISTEN", "127.0.0.1:3333"))
    root = os.environ.get("UPLOAD_ROOT", "/var/lib/ffupload").rstrip("/")
    UploadHandler.root = resolve(f"{root}/uploads")  # the data volume is mounted right there
    UploadHandler.root.mkdir(parents=True, exist_ok=True)
    return serve(UploadHandler, host, port, name="findface-upload")


if __name__ == "__main__":
    sys.exit(main())
