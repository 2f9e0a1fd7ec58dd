"""The test images: Debian 12 + python3 (scripts/build-test-images.sh, cached) with ffwizard on top.

No registry is reachable and the test daemon has no bridge for `RUN` steps, so the layer is made
by copying files into a created container and committing it: ffwizard itself plus the
third-party packages its simulated services import, taken from this virtualenv (same CPython
minor version as Debian 12's, so compiled extensions load). The layer is keyed by a hash of
everything copied: an unchanged tree reuses the image.

Each FindFace image name the compose files use gets a thin image of its own whose command
starts the simulated program for that role, as the vendor's image starts the real one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import ffwizard

REPO_ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = os.environ.get("FFWIZARD_TEST_BASE_IMAGE", "ffwizard-test/debian-py:bookworm")
APP_REPOSITORY = "ffwizard-test/findface"
SITE_DIR = "/usr/local/lib/python3.11/dist-packages"  # on Debian 12's python3 path

# Commands of the simulated programs, by role (a role = what a vendor image runs).
ROLE_COMMANDS: dict[str, list[str]] = {
    "pause": ["sleep", "infinity"],
    "generic": ["sleep", "infinity"],
}
# Vendor image names (as the compose files write them) and their role.
IMAGE_ROLES: dict[str, str] = {}

# Programs the vendor images hold at fixed paths, as thin launchers of ffwizard's simulated ones.
LAUNCHERS: dict[str, str] = {}


def _list_dependencies() -> list[str]:
    """Top-level third-party packages/modules imported by ffwizard.demo, as paths to copy."""
    probe = r"""
import importlib, json, pkgutil, sys, sysconfig
import ffwizard.demo
for info in pkgutil.walk_packages(ffwizard.demo.__path__, "ffwizard.demo."):
    importlib.import_module(info.name)
site = sysconfig.get_paths()["purelib"]
paths = set()
for name, module in list(sys.modules.items()):
    file = getattr(module, "__file__", None) or ""
    if not file.startswith(site + "/"):
        continue
    top = file[len(site) + 1:].split("/")[0]
    if top.startswith("__editable__") or top == "_distutils_hack":
        continue  # the editable-install finder and setuptools' hook: not needed in the image
    paths.add(site + "/" + top)
print(json.dumps(sorted(paths)))
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def _add_tree(tar: tarfile.TarFile, digest, source: Path, arcname: str) -> None:
    paths = [source] if source.is_file() else sorted(source.rglob("*"))
    if source.is_dir():
        _add_dir(tar, arcname)
    for path in paths:
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        name = arcname if path == source else f"{arcname}/{path.relative_to(source).as_posix()}"
        if path.is_dir():
            _add_dir(tar, name)
            continue
        data = path.read_bytes()
        digest.update(name.encode() + b"\0" + data)
        _add_bytes(tar, name, data, 0o755 if os.access(path, os.X_OK) else 0o644)


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def _layer() -> tuple[bytes, str]:
    """The tar of the layer (paths relative to /) and its content hash."""
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        site = SITE_DIR.lstrip("/")
        parts = Path(site).parts
        for depth in range(1, len(parts) + 1):
            _add_dir(tar, "/".join(parts[:depth]))
        _add_tree(tar, digest, Path(ffwizard.__file__).parent, f"{site}/ffwizard")
        for dependency in _list_dependencies():
            path = Path(dependency)
            if not path.exists():
                path = next(path.parent.glob(path.name + "*"), path)
            _add_tree(tar, digest, path, f"{site}/{path.name}")
        for target, module in sorted(LAUNCHERS.items()):
            script = f'#!/bin/sh\nexec python3 -m {module} "$@"\n'.encode()
            digest.update(target.encode() + b"\0" + script)
            _add_bytes(tar, target.lstrip("/"), script, 0o755)
    digest.update(json.dumps([ROLE_COMMANDS, IMAGE_ROLES], sort_keys=True).encode())
    return buffer.getvalue(), digest.hexdigest()[:16]


def _ensure_base(client) -> None:
    import docker

    try:
        client.images.get(BASE_IMAGE)
        return
    except docker.errors.ImageNotFound:
        pass
    subprocess.run([str(REPO_ROOT / "scripts" / "build-test-images.sh")], check=True)


def _commit(client, base: str, repository: str, tag: str, *, archive: bytes | None = None,
            command: list[str] | None = None) -> str:
    container = client.containers.create(base, command=["true"])
    try:
        if archive is not None and not container.put_archive("/", archive):
            raise RuntimeError(f"the engine refused the layer of {repository}:{tag}")
        changes = [f"CMD {json.dumps(command)}"] if command else []
        changes.append("ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1")
        container.commit(repository=repository, tag=tag, changes=changes)
    finally:
        container.remove(force=True)
    return f"{repository}:{tag}"


def _exists(client, name: str) -> bool:
    import docker

    try:
        client.images.get(name)
    except docker.errors.ImageNotFound:
        return False
    return True


def ensure_findface_images(client) -> str:
    """Build (or reuse) the app image and the per-role images; tag the vendor names. Returns the
    app image's name (Debian + python3 + ffwizard, no command of its own)."""
    _ensure_base(client)
    archive, key = _layer()
    app = f"{APP_REPOSITORY}:{key}"
    if not _exists(client, app):
        _commit(client, BASE_IMAGE, APP_REPOSITORY, key, archive=archive)
    for role, command in ROLE_COMMANDS.items():
        role_image = f"{APP_REPOSITORY}-{role}:{key}"
        if not _exists(client, role_image):
            _commit(client, app, f"{APP_REPOSITORY}-{role}", key, command=command)
    for vendor_name, role in IMAGE_ROLES.items():
        repository, _, tag = vendor_name.rpartition(":") if ":" in vendor_name.split("/")[-1] else (vendor_name, "", "latest")
        client.images.get(f"{APP_REPOSITORY}-{role}:{key}").tag(repository, tag or "latest")
    return app


def tag(client, image: str, names: list[str]) -> None:
    """Give `image` the extra `names` (repository:tag) a compose file asks for."""
    for name in names:
        repository, _, version = name.rpartition(":")
        client.images.get(image).tag(repository, version)


if __name__ == "__main__":
    import docker

    print(ensure_findface_images(docker.from_env()))
