"""Who really holds a port the compose file mentions, for messages ("port 3133 is already in use
(by service findface-ntls …)").

A port is often mentioned by its clients, not by its server: every shard names the licence
server in `CFG_NTLS: '127.0.0.1:3133'`. So a client setting names its server where the
setting's name says which service it points at (CFG_NTLS → findface-ntls). (A port published by
`pause` stays pause's: it holds the network the application services share.)
"""

from __future__ import annotations

import re

_ADDRESS = re.compile(r"^(?:[\w.-]+:)?(?P<port>\d{2,5})$")


def _service_named(services, marker: str) -> str | None:
    matches = sorted(name for name in services if marker in name)
    return min(matches, key=len) if matches else None


def real_holders(users: dict[int, str], services) -> dict[int, str]:
    """`users` (port → first service mentioning it) with each port pointed at by a client
    setting given to the service that serves it."""
    users = dict(users)
    for name in sorted(services):
        for key, value in getattr(services[name], "environment", {}).items():
            if "PORT" in key or "LISTEN" in key:
                continue  # the service's own port
            match = _ADDRESS.match(str(value).strip())
            marker = key.lower().removeprefix("cfg_").replace("_", "-")
            if match and marker:
                server = _service_named(services, marker)
                if server is not None and server != name:
                    users[int(match.group("port"))] = server
    return users
