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

# What each vendor image runs, as (entrypoint, environment): the compose file's `command:`
# gives the arguments, as with the vendor's images.
ROLES: dict[str, tuple[list[str], dict[str, str]]] = {
    "shard": (["python3", "-m", "ffwizard.demo.shard_server"], {}),
    "sf-api": (["python3", "-m", "ffwizard.demo.sfapi_server"], {}),
    "extraction-cpu": (["python3", "-m", "ffwizard.demo.extraction_server"], {"FFSIM_DEVICE": "cpu"}),
    "extraction-gpu": (["python3", "-m", "ffwizard.demo.extraction_server"], {"FFSIM_DEVICE": "gpu"}),
    "upload": (["python3", "-m", "ffwizard.demo.upload_server"], {}),
    "video-worker": (["python3", "-m", "ffwizard.demo.video_worker"], {}),
    "idle": (["python3", "-m", "ffwizard.demo.idle_service"], {}),  # pause, ntls, legacy, databases
}

# Programs the vendor images hold at fixed paths, as thin launchers of the simulated ones.
LAUNCHERS: dict[str, str] = {
    "/storage-api-dump": '#!/bin/sh\nexec python3 -m ffwizard.demo.dump_tool "$@"\n',
    "/sf-api-migrate": '#!/bin/sh\nexec python3 -m ffwizard.demo.migrate_tool "$@"\n',
    "/opt/findface-security/bin/python3": '#!/bin/sh\nexec python3 "$@"\n',
    "/tigre_prototype/manage.py": ("import sys\nfrom ffwizard.demo.cluster_tool import main\n"
                                   "sys.exit(main())\n"),
}


def role_of(image: str) -> str:
    """The simulated program standing in for a vendor image, from its name."""
    name = image.rsplit("/", 1)[-1].split(":", 1)[0]
    if name == "tntapi":
        return "shard"
    if name in ("sf-api", "upload"):
        return name
    if name.startswith("video-worker"):
        return "video-worker"
    if name.startswith("extraction-api"):
        return "extraction-cpu" if name.endswith("-cpu") else "extraction-gpu"
    return "idle"


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


def _add_parents(tar: tarfile.TarFile, name: str) -> None:
    parts = name.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        _add_dir(tar, "/".join(parts[:depth]))


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
        for target, script in sorted(LAUNCHERS.items()):
            digest.update(target.encode() + b"\0" + script.encode())
            _add_parents(tar, target.lstrip("/"))
            _add_bytes(tar, target.lstrip("/"), script.encode(), 0o755)
        # The extraction models live in the vendor's image, under models_root.
        from ffwizard.demo import catalog

        for model in catalog.all_model_files():
            name = f"{catalog.MODELS_ROOT.lstrip('/')}/{model}"
            data = catalog.model_bytes(model)
            digest.update(name.encode() + b"\0" + data)
            _add_parents(tar, name)
            _add_bytes(tar, name, data, 0o644)
    digest.update(json.dumps(ROLES, sort_keys=True).encode())
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
            entrypoint: list[str] | None = None, environment: dict[str, str] | None = None) -> str:
    container = client.containers.create(base, command=["true"])
    try:
        if archive is not None and not container.put_archive("/", archive):
            raise RuntimeError(f"the engine refused the layer of {repository}:{tag}")
        env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", **(environment or {})}
        changes = [f"ENV {' '.join(f'{k}={v}' for k, v in sorted(env.items()))}"]
        if entrypoint:
            changes += [f"ENTRYPOINT {json.dumps(entrypoint)}", "CMD []"]
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
    """Build (or reuse) the app image and one image per role. Returns the app image's name
    (Debian + python3 + ffwizard, no command of its own)."""
    _ensure_base(client)
    archive, key = _layer()
    app = f"{APP_REPOSITORY}:{key}"
    if not _exists(client, app):
        _commit(client, BASE_IMAGE, APP_REPOSITORY, key, archive=archive)
    for role, (entrypoint, environment) in ROLES.items():
        if not _exists(client, role_image(app, role)):
            _commit(client, app, f"{APP_REPOSITORY}-{role}", key, entrypoint=entrypoint,
                    environment=environment)
    return app


def role_image(app: str, role: str) -> str:
    repository, _, key = app.rpartition(":")
    return f"{repository}-{role}:{key}"


def tag_compose_images(client, app: str, compose_file: Path) -> dict[str, str]:
    """Tag, for every image name in `compose_file`, the role image standing in for it."""
    import yaml

    services = yaml.safe_load(Path(compose_file).read_text())["services"]
    roles = {}
    for service in services.values():
        image = service.get("image")
        if image and image not in roles:
            roles[image] = role_of(image)
            tag(client, role_image(app, roles[image]), [image])
    return roles


def tag(client, image: str, names: list[str]) -> None:
    """Give `image` the extra `names` (repository:tag) a compose file asks for."""
    for name in names:
        repository, _, version = name.rpartition(":")
        if "/" in version:  # a registry port, no tag
            repository, version = name, "latest"
        client.images.get(image).tag(repository, version)


if __name__ == "__main__":
    import docker

    print(ensure_findface_images(docker.from_env()))
