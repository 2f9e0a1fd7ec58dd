"""A simulated findface-video-worker: `python -m ffwizard.demo.video_worker`.

A live site's cameras, reduced to what the migration can observe: at a steady rate, a new event
object is added to an events gallery of the shards sf-api uses — its normalized image stored in
the upload store, the object added through the shard's HTTP API, as sf-api does for an event.
The shards are asked from sf-api each time (`GET /v2/sim/config`), so after the sf-api switch
the events go to the new shards. Stopping the process stops the arrivals.

Configured by `ROUTER_URL` (where a real worker sends its events, the facerouter; sf-api's
address here, from the compose file) and the knob
FFSIM_EVENTS_PER_SECOND (0 or unset: no events; see ffwizard.demo.faults).
Object ids: milliseconds since the epoch, kept increasing — above every id the sandbox seeds,
as FindFace gives a new object an id above those of its gallery.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from ffwizard.demo import catalog, faults
from ffwizard.demo.httpkit import Client, HttpError, log
from ffwizard.demo.lifeline import watch_owner


def events_per_second() -> float:
    try:
        return max(0.0, float(faults.knob("FFSIM_EVENTS_PER_SECOND") or 0))
    except ValueError:
        return 0.0


class Worker:
    def __init__(self, sf_api: str, name: str) -> None:
        self.sf_api = Client(sf_api, timeout=10)
        self.name = name
        self.last_id = 0
        self.added = 0
        self.turn = 0
        self.clients: dict[str, Client] = {}

    def client(self, url: str) -> Client:
        if url not in self.clients:
            self.clients[url] = Client(url, timeout=10)
        return self.clients[url]

    def next_id(self) -> int:
        self.last_id = max(self.last_id + 1, int(time.time() * 1000))
        return self.last_id

    def one_event(self) -> None:
        config = self.sf_api.json("GET", "/v2/sim/config")
        shards = config["shards"]
        object_id = self.next_id()
        shard = self.client(shards[object_id % len(shards)])
        galleries = {g["name"]: g["model"] for g in shard.json("GET", "/galleries")["galleries"]
                     if g["name"].endswith("_events")}
        if not galleries:
            return
        names = sorted(galleries)
        gallery = names[self.turn % len(names)]
        self.turn += 1
        image = catalog.image_bytes(gallery, object_id)
        path = catalog.image_path(gallery, object_id)
        upload = config["upload_url"].rstrip("/") + "/"
        status, _body = self.client(upload.split("/uploads/")[0]).request(
            "PUT", "/uploads/" + path, image, "image/png")
        if status != 201:
            raise ValueError(f"the upload store answered HTTP {status} for {path}")
        shard.json("POST", f"/galleries/{gallery}/objects",
                   {"model": galleries[gallery],
                    "objects": [[object_id, catalog.vector(galleries[gallery], image), path]]})
        self.added += 1


def main() -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    watch_owner()  # a test's worker stops with the test run that started it
    name = os.environ.get("FFSIM_SERVICE", "findface-video-worker")
    rate = events_per_second()
    sf_api = os.environ.get("ROUTER_URL", "")
    if not rate or not sf_api:
        log(f"{name}: no events to produce (FFSIM_EVENTS_PER_SECOND {rate:g})")
        while not stop.wait(1.0):
            pass
        return 0
    worker = Worker(sf_api, name)
    log(f"{name}: producing {rate:g} events/s through {sf_api}")
    next_time = time.monotonic()
    while not stop.is_set():
        try:
            worker.one_event()
        except (OSError, HttpError, KeyError, ValueError) as err:
            log(f"{name}: event not stored: {err}")
        next_time = max(next_time + 1.0 / rate, time.monotonic() - 1.0)
        stop.wait(max(0.0, next_time - time.monotonic()))
    log(f"{name}: stopped after {worker.added} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
