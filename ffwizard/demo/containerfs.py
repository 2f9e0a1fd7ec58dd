"""A simulated container's filesystem: container paths mapped onto host paths.

Inside a real container, `/etc/findface-sf-api.ini` is a bind mount of a host file and everything
else lives in the container's own layer. The sim runtime gives each service a directory standing
for that layer (`<sandbox>/.sim/containers/<service>/`) plus the compose file's bind mounts, and
passes both to a simulated program in FFSIM_FS. Without FFSIM_FS (inside a real container) paths
are used as they are.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ContainerFS:
    root: Path  # host directory standing for the container's own layer
    mounts: tuple[tuple[str, Path], ...] = field(default_factory=tuple)  # (container path, host path)

    def host_path(self, container_path: str, cwd: str = "/") -> Path:
        """The host path a container path (absolute, or relative to container `cwd`) lands on."""
        path = posixpath.normpath(posixpath.join(cwd, container_path))
        best: tuple[str, Path] | None = None
        for target, source in self.mounts:
            if path == target or path.startswith(target.rstrip("/") + "/"):
                if best is None or len(target) > len(best[0]):
                    best = (target, source)
        if best is not None:
            rest = path[len(best[0]):].lstrip("/")
            return best[1] / rest if rest else best[1]
        return self.root / path.lstrip("/")

    def container_path(self, host_path: Path) -> str | None:
        """The reverse: where a host path appears inside the container (None when it does not)."""
        host = Path(host_path).resolve()
        for target, source in sorted(self.mounts, key=lambda m: -len(str(m[1]))):
            try:
                rest = host.relative_to(source.resolve())
            except ValueError:
                continue
            return posixpath.join(target, str(rest)) if str(rest) != "." else target
        try:
            rest = host.relative_to(self.root.resolve())
        except ValueError:
            return None
        return "/" + str(rest) if str(rest) != "." else "/"

    def to_env(self) -> str:
        return json.dumps({"root": str(self.root), "mounts": [[t, str(s)] for t, s in self.mounts]})

    @classmethod
    def from_env(cls, value: str) -> ContainerFS:
        data = json.loads(value)
        return cls(Path(data["root"]), tuple((t, Path(s)) for t, s in data["mounts"]))


def resolve(path: str) -> Path:
    """A path as a program inside the container means it, on whatever holds the files."""
    spec = os.environ.get("FFSIM_FS")
    if not spec:
        return Path(path)
    if not posixpath.isabs(path):
        return Path(path)  # relative: the process's working directory is already the right one
    return ContainerFS.from_env(spec).host_path(path)
