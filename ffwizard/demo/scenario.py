"""Steps of the vendor procedure done directly on a sandbox, for tests and benchmarks of the
simulation itself (the wizard does these through its own plan, not through this module)."""

from __future__ import annotations

from pathlib import Path

from ffwizard.demo.sandbox import Sandbox, shard_service_text, write

NEW_SHARD_SHIFT = 10  # shard-001 -> shard-011, 8101 -> 8111 (the vendor's example)


def add_new_shards(sandbox: Sandbox, shift: int = NEW_SHARD_SHIFT) -> list[str]:
    """Data dirs and compose services for as many new shards as there are (vendor steps 2 and 4);
    returns their sf-api URLs."""
    text = sandbox.compose_file.read_text()
    block = "".join(shard_service_text(sandbox, i + shift) for i in range(sandbox.shards))
    anchor = "  findface-upload:\n"
    write(sandbox.compose_file, text.replace(anchor, block + anchor, 1))
    for i in range(sandbox.shards):
        for sub in ("index", "snapshots", "xlogs"):
            (sandbox.root / f"data/findface-tarantool-server/shard-{i + 1 + shift:03d}" / sub).mkdir(parents=True, exist_ok=True)
    return [sandbox.shard_url(i + shift) for i in range(sandbox.shards)]


def remove_shard_services(sandbox: Sandbox, services: list[str]) -> None:
    """Drop whole service blocks from the compose file (vendor step 6)."""
    lines = sandbox.compose_file.read_text().splitlines(keepends=True)
    out, skipping = [], False
    for line in lines:
        if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            skipping = line.strip()[:-1] in services
        if not skipping:
            out.append(line)
    write(sandbox.compose_file, "".join(out))


def migration_yaml(sandbox: Sandbox, source: list[str], target: list[str], *, workers: int = 3,
                   objects_limit: int = 1000, batch: int = 8) -> str:
    """A migration.yaml in the vendor page's shape."""
    p = sandbox.ports
    timeouts = "    connect: 5s\n    response_header: 30s\n    overall: 35s\n    idle_connection: 10s\n"

    def shards(urls):
        return "".join(f"  - master: {u}\n    slave: ''\n" for u in urls)

    return (
        "extraction-api:\n  timeouts:\n" + timeouts.replace("10s", "0s") +
        f"  extraction-api: http://127.0.0.1:{p.extraction_api}\n"
        "storage-api-from: # current location of the gallery\n  timeouts:\n" + timeouts +
        "  max-idle-conns-per-host: 20\n  shards:\n" + shards(source) +
        "storage-api-to:\n  timeouts:\n" + timeouts +
        "  max-idle-conns-per-host: 20\n  shards:\n" + shards(target) +
        f"workers_num: {workers}\nobjects_limit: {objects_limit}\nextraction_batch_size: {batch}\n"
        "normalized_storage:\n  type: webdav\n  enabled: True\n  webdav:\n"
        f"    upload-url: http://127.0.0.1:{p.upload}/uploads/\n"
        "  s3:\n    endpoint: ''\n    bucket-name: ''\n    access-key: ''\n    secret-access-key: ''\n"
        "    secure: False\n    region: ''\n    public-url: ''\n    operation-timeout: 30\n"
    )


def set_extraction_model(sandbox: Sandbox, object_type: str, model: str) -> None:
    """Point `<type>_emben.default.model` at `model` (vendor step 3), by a plain text edit."""
    path = sandbox.root / "configs/findface-extraction-api/findface-extraction-api.yaml"
    lines = path.read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() == f"{object_type}_emben:":
            for j in range(i + 1, len(lines)):
                if lines[j].strip().startswith("model:"):
                    indent = lines[j][:len(lines[j]) - len(lines[j].lstrip())]
                    lines[j] = f"{indent}model: {model}\n"
                    break
            break
    else:
        raise KeyError(object_type)
    write(path, "".join(lines))


def point_sf_api_at(sandbox: Sandbox, urls: list[str]) -> None:
    """Replace the sf-api shard list (vendor step 7)."""
    path = sandbox.root / "configs/findface-sf-api/findface-sf-api.yaml"
    out, in_shards = [], False
    for line in path.read_text().splitlines(keepends=True):
        if line.startswith("  shards:"):
            in_shards = True
            out.append(line)
            out += [f"  - {{master: '{u}', slave: ''}}\n" for u in urls]
            continue
        if in_shards and line.startswith("  - "):
            continue
        in_shards = False
        out.append(line)
    write(path, "".join(out))


def write_file(path: Path, text: str) -> Path:
    write(Path(path), text)
    return Path(path)
