"""A simulated findface-extraction-api: `python -m ffwizard.demo.extraction_server [--config PATH]`.

Reads its config (default /etc/findface-extraction-api.ini, the compose bind mount of
configs/findface-extraction-api/findface-extraction-api.yaml) once at start, like the real one:
a restart picks up a new model. It refuses to start (exit 1 with a log line) when a model file
is missing or not a model, when a GPU model is configured on a CPU image (the image name comes
from FFSIM_IMAGE; FFSIM_DEVICE overrides it). Both forms of `<type>_emben` load: the file
directly under the key, or `default: {model: …}`; a systemd-era key without `_emben` loads as
the other models do (ffwizard refuses it, not the service); `models_root` is read under
`extractors` or at the top level.

HTTP API:
  GET  /v2/models            {"device": "gpu", "models": {"face": "face/x.gpu.fnk", ...}}
  POST /v2/sim/extract       {"object_type": "face", "images": [base64, ...]}
                             -> {"model": "face/x.gpu.fnk", "vectors": [base64, ...]}
  anything else              405 (the real service answers a bare GET that way)
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time

import yaml

from ffwizard.demo import catalog, faults
from ffwizard.demo.containerfs import resolve
from ffwizard.demo.goflags import config_flag
from ffwizard.demo.httpkit import JsonHandler, log, serve, split_listen

DEFAULT_CONFIG = "/etc/findface-extraction-api.ini"


class ConfigProblem(Exception):
    pass


def config_path_from(argv: list[str]) -> str:
    return config_flag(argv, DEFAULT_CONFIG)


def device_of_image(image: str) -> str:
    return "cpu" if "extraction-api-cpu" in image or image.endswith("-cpu") else "gpu"


def load_models(config: dict, device: str) -> tuple[str, dict[str, str]]:
    """(listen, {object type: model file}); ConfigProblem for what the real service refuses."""
    extractors = config.get("extractors") if isinstance(config, dict) else None
    if not isinstance(extractors, dict) or not isinstance(extractors.get("models"), dict):
        raise ConfigProblem("config has no extractors.models section")
    configured_root = extractors.get("models_root") or config.get("models_root")
    models_root = resolve(str(configured_root or catalog.MODELS_ROOT))
    embedding: dict[str, str] = {}
    for key, entry in extractors["models"].items():
        files = []
        if isinstance(entry, str) and entry:
            files.append(entry)  # the file directly under the key (FindFace Multi 2.2's form)
            if key.endswith("_emben"):
                embedding[key[:-len("_emben")]] = entry
        elif isinstance(entry, dict):
            for variant, spec in entry.items():
                if isinstance(spec, dict) and spec.get("model"):
                    files.append(spec["model"])
                    if key.endswith("_emben") and variant == "default":
                        embedding[key[:-len("_emben")]] = spec["model"]
        for model in files:
            path = models_root / model
            if not path.is_file():
                raise ConfigProblem(f"model {model}: no such file in {configured_root}")
            if not path.read_bytes().startswith(b"FNKSIM1"):
                raise ConfigProblem(f"model {model}: not a model file")
            if device == "cpu" and model.endswith(".gpu.fnk"):
                raise ConfigProblem(f"model {model}: a GPU model cannot be loaded by the CPU extraction-api")
    return str(config.get("listen") or "127.0.0.1:18666"), embedding


def build_model_caches(config: dict, models: dict[str, str]) -> None:
    """A GPU model's first start builds a cache in cache_dir (slow on a real box: the knob
    FFSIM_GPU_CACHE_SECONDS says how slow); later starts find it there."""
    cache_dir = resolve(str(config["extractors"].get("cache_dir") or "/var/cache/findface/models_cache"))
    seconds = float(faults.knob("FFSIM_GPU_CACHE_SECONDS") or 0)
    for model in sorted(set(models.values())):
        entry = cache_dir / (model.replace("/", "_") + ".cache")
        if entry.exists():
            continue
        log(f"extraction-api: building the GPU cache of {model} (first start of this model)")
        time.sleep(seconds)
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            entry.write_bytes(catalog.model_bytes(model))
        except OSError as err:
            log(f"extraction-api: cannot write the model cache {entry}: {err.strerror or err}")


class ExtractionHandler(JsonHandler):
    models: dict[str, str] = {}
    device = "gpu"
    delay = 0.0

    def route(self, method, path, query, body):
        if method == "GET" and path == "/v2/models":
            return 200, {"device": self.device, "models": self.models}, None
        if method == "POST" and path == "/v2/sim/extract":
            if self.delay:
                time.sleep(self.delay)
            request = json.loads(body)
            model = self.models.get(request.get("object_type", ""))
            if not model:
                return 400, {"error": f"no embedding model for {request.get('object_type')!r}"}, None
            vectors = [catalog.vector(model, base64.b64decode(img)) for img in request["images"]]
            return 200, {"model": model, "vectors": vectors}, None
        return 405, {"error": "method not allowed"}, None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    config_setting = config_path_from(argv)
    device = os.environ.get("FFSIM_DEVICE") or device_of_image(os.environ.get("FFSIM_IMAGE", ""))
    try:
        with open(resolve(config_setting)) as f:
            config = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        listen, models = load_models(config, device)
        host, port = split_listen(listen)
    except OSError as err:
        log(f"extraction-api: cannot read config {config_setting}: {err.strerror or err}")
        return 1
    except yaml.YAMLError as err:
        log(f"extraction-api: config {config_setting} is not valid YAML: {err}")
        return 1
    except (ConfigProblem, ValueError) as err:
        log(f"extraction-api: fatal: {err}")
        return 1
    if device == "gpu":
        build_model_caches(config, models)
    ExtractionHandler.models = models
    ExtractionHandler.device = device
    ExtractionHandler.delay = (faults.int_knob("FFSIM_EXTRACTION_DELAY_MS") or 0) / 1000
    for object_type, model in sorted(models.items()):
        log(f"extraction-api: {object_type}_emben loaded {model} ({device})")
    return serve(ExtractionHandler, host, port, name="extraction-api")


if __name__ == "__main__":
    sys.exit(main())
