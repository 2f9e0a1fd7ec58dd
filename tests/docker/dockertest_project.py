"""A small FindFace-shaped compose project for the runtime tests, written into a directory.

Same shape as the vendor's file: a `pause` service owning the network (here the host's, so the
host's loopback reaches the services, as on a real install), every other service joined to it
with `network_mode: service:pause`, shards with their data volume and listen ports in the
environment. The programs are stand-ins (python's http.server), enough to test the runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dockertest_engine import free_ports

# The vendor's image names with a tag of their own: the end-to-end tests tag the vendor's real
# names to images that start the simulated programs; these run the test's `command:` instead.
SHARD_IMAGE = "docker.int.ntl/ntech/universe/tntapi:runtime-test"
SF_API_IMAGE = "docker.int.ntl/ntech/universe/sf-api:runtime-test"
PAUSE_IMAGE = "docker.int.ntl/ntech/3rdparty/pause:runtime-test"
IMAGES = (SHARD_IMAGE, SF_API_IMAGE, PAUSE_IMAGE)
SHARD_DATA = "data/findface-tarantool-server"


@dataclass
class SmallProject:
    root: Path
    compose_file: Path
    ports: dict[str, int] = field(default_factory=dict)  # service -> HTTP port on loopback

    def shard_service(self, number: int) -> str:
        return f"findface-tarantool-server-shard-{number:03d}"

    def write(self, shards: list[int]) -> None:
        """(Re)write the compose file with these shard numbers (ports kept per service)."""
        lines = [
            "# FindFace Multi (test stand-in)",
            "services:",
            "  pause:",
            f"    image: {PAUSE_IMAGE}",
            "    init: true",
            "    network_mode: host",
            "    restart: always",
            "    command: [sleep, infinity]",
            "  findface-sf-api:",
            f"    image: {SF_API_IMAGE}",
            "    init: true",
            "    network_mode: service:pause",
            "    restart: always",
            f"    command: [python3, -m, http.server, --bind, 127.0.0.1, '{self.port('findface-sf-api')}']",
            "    volumes: ['./configs/findface-sf-api/findface-sf-api.yaml:/etc/findface-sf-api.ini:ro']",
        ]
        for number in shards:
            service = self.shard_service(number)
            port = self.port(service)
            data = f"./{SHARD_DATA}/shard-{number:03d}"
            (self.root / data).mkdir(parents=True, exist_ok=True)
            lines += [
                f"  {service}:",
                "    depends_on: [pause]",
                f"    environment: {{CFG_LISTEN_HOST: 127.0.0.1, CFG_LISTEN_PORT: '{port}', "
                f"TT_WORK_DIR: /var/lib/tarantool/FindFace}}",
                f"    image: {SHARD_IMAGE}",
                "    init: true",
                "    network_mode: service:pause",
                "    restart: always",
                "    working_dir: /var/lib/tarantool/FindFace",
                f"    command: [python3, -m, http.server, --bind, 127.0.0.1, '{port}']",
                f"    volumes: ['{data}:/var/lib/tarantool/FindFace']",
            ]
        self.compose_file.write_text("\n".join(lines) + "\n")

    def port(self, service: str) -> int:
        if service not in self.ports:
            self.ports[service] = free_ports(1)[0]
        return self.ports[service]


def small_project(root: Path, shards: list[int]) -> SmallProject:
    root.mkdir(parents=True, exist_ok=True)
    config = root / "configs/findface-sf-api/findface-sf-api.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("listen: 127.0.0.1:18411\n")
    project = SmallProject(root=root, compose_file=root / "docker-compose.yaml")
    project.write(shards)
    return project
