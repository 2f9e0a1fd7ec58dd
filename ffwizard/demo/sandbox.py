"""The sandbox generator: a realistic FindFace Multi install tree with galleries in its shards.

Layout (the shapes of docs/FILES.md and the vendor's page):
  docker-compose.yaml, configs/…, data/findface-tarantool-server/shard-NNN/{index,snapshots,xlogs},
  data/findface-upload/uploads/… (normalized images), and `.sim/` (the simulation's own state:
  sandbox.json, faults.json, containers/<service>/ for each container's own files, procs/, logs/).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ffwizard.core.errors import UserError
from ffwizard.demo import MARKER, SIM_DIR, catalog, is_sandbox
from ffwizard.demo.ports import PortBlock, claim_block, release_block
from ffwizard.demo.storage import ShardStore
from ffwizard.i18n import N_, _

PROJECT = "findface-multi"
COMPOSE_FILE = "docker-compose.yaml"
IMAGE_TAG = "ffserver-9.230407.1"
REGISTRY = "docker.int.ntl/ntech/universe"
EXTRACTION_CONTAINER = "findface-extraction-api"
EXTRACTION_CONFIG = "configs/findface-extraction-api/findface-extraction-api.yaml"
SF_API_CONFIG = "configs/findface-sf-api/findface-sf-api.yaml"
DEFAULT_SHAPE = "vendor"


@dataclass(frozen=True)
class Sandbox:
    root: Path
    project: str
    ports: PortBlock
    shards: int
    objects: int
    device: str
    types: tuple[str, ...]
    shape: str = DEFAULT_SHAPE  # the name of the Shape it was built in (ffwizard.demo.shapes)

    @property
    def compose_file(self) -> Path:
        return self.root / COMPOSE_FILE

    @property
    def sim_dir(self) -> Path:
        return self.root / SIM_DIR

    def shard_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports.shard_http + index}/v2/"


def require_sandbox(root: Path) -> None:
    """Refuse `--runtime sim` on an installation that is not a demo sandbox."""
    if not is_sandbox(root):
        raise UserError(_("{root} is not a demo sandbox (ffwizard demo builds those), so "
                          "--runtime sim has nothing to ask; for a real installation use "
                          "--runtime docker.").format(root=Path(root)))


def open_sandbox(root: Path) -> Sandbox:
    root = Path(root).resolve()
    try:
        data = json.loads((root / MARKER).read_text())
    except (OSError, ValueError) as err:
        raise UserError(_("{root} is not a demo sandbox (no readable {marker})").format(
            root=root, marker=MARKER)) from err
    return Sandbox(root, data["project"], PortBlock(**data["ports"]), data["shards"], data["objects"],
                   data["device"], tuple(data["types"]), str(data.get("shape") or DEFAULT_SHAPE))


Texts = dict[str, str]


def _keep_texts(sandbox: Sandbox, texts: Texts) -> Texts:
    return texts


def _leave_tree(sandbox: Sandbox) -> None:
    return None


@dataclass(frozen=True)
class Shape:
    """How the generator builds one shape of installation (see ffwizard.demo.shapes).

    The generator renders the vendor's layout as {path relative to the root: text}; `rewrite`
    returns the texts of this shape (it may add, change or drop files); once the whole tree is
    on disk (shard data, models, images), `finish` changes it further (links, moved files).
    """

    name: str
    description: str  # marked with N_(), translated where it is shown
    migrated: bool = True  # False: ffwizard refuses this shape, in one sentence
    rewrite: Callable[[Sandbox, Texts], Texts] = field(default=_keep_texts, compare=False)
    finish: Callable[[Sandbox], None] = field(default=_leave_tree, compare=False)
    project: str = PROJECT


VENDOR = Shape(DEFAULT_SHAPE, N_("the layout of the vendor's installer and page"))


def build_sandbox(root: Path, *, shards: int = 8, objects: int = 4000, device: str = "gpu",
                  types: tuple[str, ...] = catalog.OBJECT_TYPES, shape: Shape = VENDOR) -> Sandbox:
    """Create the install tree at `root` (absent or empty) in `shape`. Services are not started
    here."""
    root = Path(root).resolve()
    if root.exists() and any(root.iterdir()):
        raise UserError(_("{root} is not empty and is not a demo sandbox: choose a new or empty "
                          "directory").format(root=root))
    if not 1 <= shards <= 64:
        raise UserError(_("--shards must be between 1 and 64, not {value}").format(value=shards))
    if objects < 0:
        raise UserError(_("--objects must not be negative, not {value}").format(value=objects))
    if device not in catalog.DEVICES:
        raise UserError(_("--device must be cpu or gpu, not {value}").format(value=repr(device)))
    unknown = [t for t in types if t not in catalog.OBJECT_TYPES]
    if unknown or not types:
        if types:
            raise UserError(_("--types takes a comma list of face, body, car (got {value})").format(
                value=",".join(types)))
        raise UserError(_("--types takes a comma list of face, body, car (got nothing)"))
    types = tuple(t for t in catalog.OBJECT_TYPES if t in types)
    root.mkdir(parents=True, exist_ok=True)
    ports = claim_block(root, shards)
    sandbox = Sandbox(root, shape.project, ports, shards, objects, device, types, shape.name)
    try:
        _write_tree(sandbox, shape)
    except BaseException:
        # Half a sandbox is of no use and would block the directory: the directory was empty
        # (checked above), so everything in it is ours to remove.
        for child in (root.iterdir() if root.is_dir() else ()):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
        release_block(root, ports.offset)
        raise
    return sandbox


def vendor_texts(sandbox: Sandbox) -> Texts:
    """The files of the vendor's layout, by path relative to the root."""
    return {
        COMPOSE_FILE: compose_text(sandbox),
        ".env": f"# docker compose settings of this installation\nCOMPOSE_PROJECT_NAME={sandbox.project}\n",
        EXTRACTION_CONFIG: extraction_config_text(sandbox),
        SF_API_CONFIG: sf_api_config_text(sandbox),
        "configs/findface-multi-legacy/findface-multi-legacy.py": legacy_config_text(sandbox),
        "configs/findface-tarantool-server/tnt-schema.lua": TNT_SCHEMA,
        "configs/findface-ntls/findface-ntls.yaml":
            f"listen: 127.0.0.1:{sandbox.ports.ntls}\nlicense_dir: /ntech/license\n",
    }


def _write_tree(sandbox: Sandbox, shape: Shape) -> None:
    root, ports, shards, objects, device, types = (sandbox.root, sandbox.ports, sandbox.shards,
                                                   sandbox.objects, sandbox.device, sandbox.types)
    for sub in ("procs", "logs", "containers"):
        (sandbox.sim_dir / sub).mkdir(parents=True, exist_ok=True)
    for rel, text in shape.rewrite(sandbox, vendor_texts(sandbox)).items():
        write(root / rel, text)
    for sub in ("data/findface-ntls", "data/findface-upload/uploads", "data/postgresql", "data/redis",
                "cache/findface-extraction-api/models"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    install_models(sandbox.sim_dir / "containers" / EXTRACTION_CONTAINER / catalog.MODELS_ROOT.lstrip("/"))
    fill_galleries(sandbox)
    shape.finish(sandbox)
    marker = {"version": 1, "project": sandbox.project, "ports": ports.to_dict(), "shards": shards,
              "objects": objects, "device": device, "types": list(types), "shape": shape.name,
              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    write(root / MARKER, json.dumps(marker, indent=1) + "\n")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(text.encode("utf-8"))  # byte for byte: a shape's CRLF stays CRLF
    os.replace(tmp, path)


def install_models(models_dir: Path) -> None:
    for model in catalog.all_model_files():
        path = models_dir / model
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(catalog.model_bytes(model))


def current_model(object_type: str, device: str) -> str:
    return catalog.model_file(object_type, catalog.EMBEDDING_MODELS[object_type][0], device)


def gallery_counts(types: tuple[str, ...], objects: int) -> dict[str, int]:
    """Split `objects` over the galleries of `types` (exact total, largest remainder)."""
    weights = {}
    for t in types:
        for kind in catalog.GALLERY_KINDS:
            weights[f"ffsec_{t}_{kind}"] = catalog.GALLERY_SHARE[kind]
    if "face" in types:
        weights[catalog.USER_FACE_GALLERY] = 0.05
    total = sum(weights.values())
    exact = {g: objects * w / total for g, w in weights.items()}
    counts = {g: int(v) for g, v in exact.items()}
    for g in sorted(exact, key=lambda g: exact[g] - counts[g], reverse=True)[:objects - sum(counts.values())]:
        counts[g] += 1
    return counts


def fill_galleries(sandbox: Sandbox) -> None:
    """Objects spread over the shards (by id), their images in the upload store."""
    data_root = sandbox.root / "data/findface-tarantool-server"
    stores = []
    for i in range(sandbox.shards):
        store = ShardStore(data_root / f"shard-{i + 1:03d}").load()
        stores.append(store)
    uploads = sandbox.root / "data/findface-upload/uploads"
    next_id = 1
    for gallery, count in gallery_counts(sandbox.types, sandbox.objects).items():
        model = current_model(catalog.gallery_type(gallery), sandbox.device)
        per_shard: list[list] = [[] for _ in stores]
        made_dirs = set()
        for object_id in range(next_id, next_id + count):
            image = catalog.image_bytes(gallery, object_id)
            rel = catalog.image_path(gallery, object_id)
            target = uploads / rel
            if target.parent not in made_dirs:
                target.parent.mkdir(parents=True, exist_ok=True)
                made_dirs.add(target.parent)
            target.write_bytes(image)
            per_shard[object_id % len(stores)].append([object_id, catalog.vector(model, image), rel])
        next_id += count
        for store, rows in zip(stores, per_shard):
            if rows:
                store.add(gallery, model, rows)
    for store in stores:
        store.checkpoint()
        store.close()


# --- file texts ----------------------------------------------------------------------------
# The vendor's 2 GiB per shard would make a laptop's demo fail the memory preflight for the
# second set of shards; a demo's few thousand objects fit in 256 MiB.
DEMO_MEMTX_MEMORY = 256 * 1024 * 1024


def _image(name: str, tag: str = IMAGE_TAG) -> str:
    return f"{REGISTRY}/{name}:{tag}"


def shard_service_text(sandbox: Sandbox, index: int) -> str:
    n = index + 1
    http = sandbox.ports.shard_http + index
    tt = sandbox.ports.shard_tarantool + index
    return (
        f"  findface-tarantool-server-shard-{n:03d}:\n"
        f"    depends_on: [findface-ntls]\n"
        f"    environment: {{CFG_EXTRA_LUA: loadfile(\"/tnt_schema.lua\")(), CFG_LISTEN_HOST: 127.0.0.1,\n"
        f"      CFG_LISTEN_PORT: '{http}', CFG_NTLS: '127.0.0.1:{sandbox.ports.ntls}', TT_CHECKPOINT_COUNT: 3,\n"
        f"      TT_CHECKPOINT_INTERVAL: '14400', TT_FORCE_RECOVERY: 'true', TT_LISTEN: '127.0.0.1:{tt}',\n"
        f"      TT_MEMTX_DIR: snapshots, TT_MEMTX_MEMORY: '{DEMO_MEMTX_MEMORY}', TT_WAL_DIR: xlogs,\n"
        f"      TT_WORK_DIR: /var/lib/tarantool/FindFace}}\n"
        f"    image: {_image('tntapi')}\n"
        f"    logging: {{driver: journald}}\n"
        f"    network_mode: service:pause\n"
        f"    restart: always\n"
        f"    volumes: ['./data/findface-tarantool-server/shard-{n:03d}:/var/lib/tarantool/FindFace',\n"
        f"      './configs/findface-tarantool-server/tnt-schema.lua:/tnt_schema.lua:ro']\n"
    )


def compose_text(sandbox: Sandbox) -> str:
    p = sandbox.ports
    gpu = sandbox.device == "gpu"
    extraction_image = _image(f"extraction-api-{sandbox.device}")
    shards = "".join(shard_service_text(sandbox, i) for i in range(sandbox.shards))
    runtime_line = "    runtime: nvidia\n" if gpu else ""
    env_line = "    environment: [CUDA_VISIBLE_DEVICES=0]\n" if gpu else ""
    return (
        "# FindFace Multi services (docker-compose). Generated for a demo by `ffwizard demo`;\n"
        "# the shape follows the vendor's installer: one flow-style mapping per service.\n"
        "version: '2.3'\n"
        "services:\n"
        "  findface-extraction-api:\n"
        "    command: [--config=/etc/findface-extraction-api.ini]\n"
        "    depends_on: [findface-ntls]\n"
        f"{env_line}"
        f"    image: {extraction_image}\n"
        "    logging: {driver: journald}\n"
        "    network_mode: service:pause\n"
        "    restart: always\n"
        f"{runtime_line}"
        "    volumes: ['./configs/findface-extraction-api/findface-extraction-api.yaml:/etc/findface-extraction-api.ini:ro',\n"
        "      './cache/findface-extraction-api/models:/var/cache/findface/models_cache']\n"
        "  findface-multi-legacy:\n"
        "    command: [uwsgi, --ini, /etc/findface-security/uwsgi.ini]\n"
        "    depends_on: [findface-ntls, findface-sf-api, postgresql, redis]\n"
        "    image: docker.int.ntl/ntech/multi/multi/legacy:ffmulti-2.3.0\n"
        "    logging: {driver: journald}\n"
        "    network_mode: service:pause\n"
        "    restart: always\n"
        "    volumes: ['./configs/findface-multi-legacy/findface-multi-legacy.py:/etc/findface-security/config.py',\n"
        "      './data/findface-multi-legacy/uploads:/var/lib/findface-security/uploads']\n"
        "  findface-ntls:\n"
        "    command: [--config=/etc/findface-ntls.cfg]\n"
        f"    image: {_image('ntls')}\n"
        "    logging: {driver: journald}\n"
        "    network_mode: service:pause\n"
        "    restart: always\n"
        "    volumes: ['./configs/findface-ntls/findface-ntls.yaml:/etc/findface-ntls.cfg:ro', './data/findface-ntls:/ntech/license']\n"
        "  findface-sf-api:\n"
        "    command: [--config=/etc/findface-sf-api.ini]\n"
        "    depends_on: [findface-extraction-api, findface-upload]\n"
        f"    image: {_image('sf-api')}\n"
        "    logging: {driver: journald}\n"
        "    network_mode: service:pause\n"
        "    restart: always\n"
        "    volumes: ['./configs/findface-sf-api/findface-sf-api.yaml:/etc/findface-sf-api.ini:ro']\n"
        "  # Tarantool shards: one service per shard-NNN data directory.\n"
        f"{shards}"
        "  findface-upload:\n"
        f"    environment: {{UPLOAD_LISTEN: '127.0.0.1:{p.upload}'}}\n"
        f"    image: {_image('upload')}\n"
        "    logging: {driver: journald}\n"
        "    network_mode: service:pause\n"
        "    restart: always\n"
        "    volumes: ['./data/findface-upload/uploads:/var/lib/ffupload/uploads']\n"
        "  findface-video-manager:\n"
        "    command: [--config=/etc/findface-video-manager.conf]\n"
        "    depends_on: [findface-ntls]\n"
        f"    image: {_image('video-manager')}\n"
        "    logging: {driver: journald}\n"
        "    network_mode: service:pause\n"
        "    restart: always\n"
        f"  findface-video-worker-{sandbox.device}:\n"
        "    command: [--config=/etc/findface-video-worker.yaml]\n"
        "    depends_on: [findface-ntls, findface-video-manager]\n"
        f"    environment: {{ROUTER_URL: 'http://127.0.0.1:{p.sf_api}'}}\n"
        f"    image: {_image(f'video-worker-{sandbox.device}')}\n"
        "    logging: {driver: journald}\n"
        "    network_mode: service:pause\n"
        "    restart: always\n"
        f"{runtime_line}"
        "  memcached:\n"
        "    command: [--conn-limit=1024, --threads=4, --max-item-size=16m, --memory-limit=1024]\n"
        "    image: docker.int.ntl/ntech/3rdparty/memcached:1.6.9\n"
        "    logging: {driver: journald}\n"
        "    network_mode: service:pause\n"
        "    restart: always\n"
        "  pause:\n"
        "    command: [/pause]\n"
        "    image: docker.int.ntl/ntech/3rdparty/pause:3.1\n"
        "    logging: {driver: journald}\n"
        "    network_mode: bridge\n"
        "    restart: always\n"
        "  postgresql:\n"
        "    environment: {POSTGRES_DB: ffsecurity, POSTGRES_PASSWORD: demo-only-password, POSTGRES_USER: ntech}\n"
        "    image: docker.int.ntl/ntech/3rdparty/postgres:12\n"
        "    logging: {driver: journald}\n"
        "    network_mode: service:pause\n"
        "    restart: always\n"
        "    volumes: ['./data/postgresql:/var/lib/postgresql/data']\n"
        "  redis:\n"
        "    command: [--save, '', --appendonly, 'no']\n"
        "    image: docker.int.ntl/ntech/3rdparty/redis:6.2\n"
        "    logging: {driver: journald}\n"
        "    network_mode: service:pause\n"
        "    restart: always\n"
        "    volumes: ['./data/redis:/data']\n"
    )


def extraction_config_text(sandbox: Sandbox) -> str:
    d = sandbox.device
    lines = [
        "# findface-extraction-api: the service that runs the neural network models.",
        "extractors:",
        "  cache_dir: /var/cache/findface/models_cache",
        "  instances: 1",
        "  max_batch_size: 16",
        "  models_root: /usr/share/findface-data/models",
        "  models:",
    ]
    entries = {}
    for t in catalog.OBJECT_TYPES:
        entries[f"{t}_emben"] = current_model(t, d) if t in sandbox.types else ""
    for key, base in catalog.OTHER_MODELS.items():
        entries[key] = f"{base}.{d}.fnk" if key.split("_")[0] in sandbox.types else ""
    for key in sorted(entries):
        if key.endswith("_emben"):
            lines.append(f"    # {key}: only the `default` variant reaches the database")
        model = entries[key]
        lines += [f"    {key}:", "      default:", f"        model: {model if model else chr(39) * 2}"]
    lines += [
        f"license_ntls_server: 127.0.0.1:{sandbox.ports.ntls}",
        f"listen: 127.0.0.1:{sandbox.ports.extraction_api}",
        "",
    ]
    return "\n".join(lines)


def sf_api_config_text(sandbox: Sandbox) -> str:
    p = sandbox.ports
    shards = "".join(f"  - {{master: 'http://127.0.0.1:{p.shard_http + i}/v2/', slave: ''}}\n"
                     for i in range(sandbox.shards))
    return (
        "# findface-sf-api: the API in front of the Tarantool shards.\n"
        "extraction-api:\n"
        f"  extraction-api: http://127.0.0.1:{p.extraction_api}\n"
        "  timeouts: {connect: 5s, idle_connection: 10s, overall: 35s, response_header: 30s}\n"
        f"listen: 127.0.0.1:{p.sf_api}\n"
        "normalized-storage:\n"
        "  enabled: true\n"
        "  type: webdav\n"
        f"  webdav: {{upload-url: 'http://127.0.0.1:{p.upload}/uploads/'}}\n"
        "  s3: {endpoint: '', bucket-name: '', access-key: '', secret-access-key: '', secure: false,\n"
        "       region: '', public-url: '', operation-timeout: 30}\n"
        "storage-api:\n"
        "  max-idle-conns-per-host: 20\n"
        "  # the shards sf-api reads and writes; change together with docker-compose.yaml\n"
        "  shards:\n"
        f"{shards}"
        "  timeouts: {connect: 5s, idle_connection: 10s, overall: 35s, response_header: 30s}\n"
    )


def legacy_config_text(sandbox: Sandbox) -> str:
    p = sandbox.ports
    return (
        "# FindFace Multi application settings (Django). Excerpt of the installer's file.\n"
        "MEDIA_ROOT = '/var/lib/findface-security/uploads'\n"
        "DATABASES = {\n"
        "    'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'ffsecurity',\n"
        "                'USER': 'ntech', 'HOST': '127.0.0.1', 'PORT': 5432},\n"
        "}\n"
        "FFSECURITY = {\n"
        f"    'SF_API_ADDRESS': 'http://127.0.0.1:{p.sf_api}',\n"
        f"    'EXTRACTION_API_ADDRESS': 'http://127.0.0.1:{p.extraction_api}',\n"
        "    # clusters of events are built by periodic clustering\n"
        "    'CLUSTERING_ENABLED': True,\n"
        "    'CLUSTER_CREATE_INTERVAL': 3600,\n"
        "}\n"
    )


TNT_SCHEMA = """-- Gallery schema of the FindFace tarantool shards (simulated installation).
local meta = {
    {"id", "unsigned"},
    {"feat", "string"},
    {"normalized_id", "string"},
}
return function()
    FindFace.galleries.configure({meta_scheme = meta})
end
"""
