"""A service ffwizard leaves alone (pause, ntls, postgres, …): a process that just stays up.

`python -m ffwizard.demo.idle_service` — exits 0 on SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading

from ffwizard.demo.lifeline import watch_owner


def main() -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    watch_owner()
    while not stop.wait(1.0):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
