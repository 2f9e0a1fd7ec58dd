"""Extraction models: what the installation uses, what to propose, whether a choice is valid.

A model file is `<category>/<name>.<cpu|gpu>.fnk`, relative to the extraction service's
models_root; the category follows the object type (face→face, body→pedrec, car→carrec).
"""

from __future__ import annotations

import re

from ffwizard.core.installation import (
    MODEL_CATEGORY,
    OBJECT_TYPES,
    Installation,
    Problem,
    did_you_mean,
)
from ffwizard.i18n import _

MODEL_FILE = re.compile(r"^(?P<category>[a-z]+)/(?P<name>[A-Za-z0-9_.+-]+?)\.(?P<device>cpu|gpu)\.fnk$")


def model_device(model: str) -> str | None:
    match = MODEL_FILE.match(model or "")
    return match.group("device") if match else None


def other_device_variant(model: str, device: str) -> str:
    """The same model built for `device` (`face/x.cpu.fnk` -> `face/x.gpu.fnk`)."""
    match = MODEL_FILE.match(model or "")
    if not match:
        return model
    return f"{match['category']}/{match['name']}.{device}.fnk"


def slow_model_warning(kind: str, model: str, available: list[str] | None, *,
                       where: str | None = None) -> Problem:
    """A CPU model chosen for a GPU extraction service: it loads, but runs on the CPU."""
    gpu = other_device_variant(model, "gpu")
    offered = available is not None and gpu in available
    return Problem("warning", " ".join([
        _("model for {kind} '{model}' is a CPU model, but this installation's extraction "
          "service runs on GPU: the model would run on the CPU, much slower.").format(
              kind=kind, model=model),
        *([_("Its GPU variant {gpu} is offered: choose it unless the CPU is meant.").format(
            gpu=gpu)] if offered else [])]), where=where)


def slow_models(installation: Installation, models: dict[str, str]) -> dict[str, str]:
    """The chosen models that would run on the CPU of a GPU extraction service."""
    if installation.device != "gpu":
        return {}
    return {kind: model for kind, model in models.items() if model_device(model) == "cpu"}


def natural_key(text: str) -> list[int | str]:
    """Sort key that orders `v10` after `v9`."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def embedding_model(entry: object) -> str | None:
    """The model an `extractors.models.<type>_emben` entry sends to the database, in either of
    its two forms: the file directly (`face/x.gpu.fnk`, the vendor's FindFace Multi 2.2 page)
    or nested (`{default: {model: face/x.gpu.fnk}}`, FindFace Server's pages)."""
    if isinstance(entry, str):
        return entry.strip() or None
    default = entry.get("default") if isinstance(entry, dict) else None
    model = default.get("model") if isinstance(default, dict) else None
    return (model.strip() or None) if isinstance(model, str) else None


def configured_models_root(document: object) -> str | None:
    """`models_root` of an extraction config: under `extractors` in some versions, at the top
    level in others."""
    if not isinstance(document, dict):
        return None
    extractors = document.get("extractors")
    for holder in (extractors if isinstance(extractors, dict) else {}, document):
        value = holder.get("models_root")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


# Where a GPU extraction service builds each model's cache on its first start (FINDFACE.md).
DEFAULT_CACHE_DIR = "/var/cache/findface/models_cache"


def configured_cache_dir(document: object) -> str:
    """`extractors.cache_dir` of an extraction config (the vendor's default when unset)."""
    extractors = document.get("extractors") if isinstance(document, dict) else None
    value = extractors.get("cache_dir") if isinstance(extractors, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else DEFAULT_CACHE_DIR


def read_models(extractors: object, where: str,
                text: str = "") -> tuple[dict[str, str], list[Problem]]:
    """The `default` embedding model of each configured object type, from `extractors.models`.
    `text` (the file's) gives the line of a systemd-era model key."""
    models: dict[str, str] = {}
    problems: list[Problem] = []
    table = extractors.get("models") if isinstance(extractors, dict) else None
    if not isinstance(table, dict):
        problems.append(Problem("error", _("extractors.models is missing: cannot tell which "
                                           "models the installation uses."), where=where))
        return models, problems
    # `face: face/…` without `_emben`: FindFace Security 4.x / Multi 1.x (systemd), not 2.x.
    systemd_era = [f"{kind}: {table[kind]}" for kind in OBJECT_TYPES
                   if isinstance(table.get(kind), str)]
    for kind in OBJECT_TYPES:
        model = embedding_model(table.get(f"{kind}_emben"))
        if model:
            models[kind] = model
    if systemd_era:
        old_key = re.compile(r"^\s+(?:face|body|car)\s*:\s*['\"]?[^\s{'\"]+\.fnk")
        line = next((n for n, content in enumerate(text.splitlines(), 1)
                     if old_key.match(content)), None)
        where = f"{where}:{line}" if line else where
        problems.append(Problem(
            "error", _("extractors.models names its models without _emben ({models}): that is "
                       "the form of FindFace Security 4.x / FindFace Multi 1.x on systemd, not "
                       "of the FindFace Multi 2.x that ffwizard migrates; migrate this version "
                       "by hand with the vendor's procedure for it.").format(
                           models="; ".join(systemd_era)), where=where))
    elif not models:
        problems.append(Problem("error", _("no embedding model (face_emben, body_emben, "
                                           "car_emben) is configured: there is nothing to "
                                           "migrate."), where=where))
    return models, problems


def propose_models(installation: Installation, object_types: list[str],
                   available: list[str] | None) -> dict[str, str]:
    """For each type: the newest other available model of the right category and device;
    without a list of available models, today's model (the user must choose)."""
    proposal: dict[str, str] = {}
    for kind in object_types:
        current = installation.models.get(kind, "")
        candidates = [m for m in (available or []) if _fits(m, kind, installation.device)
                      and m != current]
        if candidates:
            proposal[kind] = max(candidates, key=lambda m: natural_key(_model_name(m)))
        else:
            proposal[kind] = current
    return proposal


def _model_name(model: str) -> str:
    match = MODEL_FILE.match(model)
    return match["name"] if match else model


def _fits(model: str, kind: str, device: str) -> bool:
    match = MODEL_FILE.match(model)
    return match is not None and match["category"] == MODEL_CATEGORY[kind] \
        and match["device"] == device


def validate_models(installation: Installation, models: dict[str, str],
                    available: list[str] | None, *, where: str | None = None) -> list[Problem]:
    problems: list[Problem] = []
    unchanged: dict[str, str] = {}
    for kind, model in models.items():
        category = MODEL_CATEGORY[kind]
        match = MODEL_FILE.match(model or "")
        example = f"{category}/<name>.{installation.device}.fnk"
        if not model:
            problems.append(Problem("error", _("no new model is chosen for {kind}.").format(
                kind=kind), where=where))
            continue
        if not match:
            problems.append(Problem("error", _("model for {kind} '{model}' is not a model file "
                                               "name: expected {example}.").format(
                                                   kind=kind, model=model, example=example),
                                    where=where))
            continue
        if match["category"] != category:
            problems.append(Problem("error", _(
                "model for {kind} '{model}' is in '{category}/', but {kind} models live in "
                "'{expected}/' (expected {example}).").format(
                    kind=kind, model=model, category=match["category"], expected=category,
                    example=example), where=where))
            continue
        if installation.device == "cpu" and match["device"] == "gpu":
            problems.append(Problem("error", _(
                "model for {kind} '{model}' is a GPU model, but this installation's extraction "
                "service runs on CPU: choose a .cpu.fnk model.").format(kind=kind, model=model),
                where=where))
            continue
        slow = installation.device == "gpu" and match["device"] == "cpu"
        if available is not None and model not in available:
            same_kind = [m for m in available if _fits(m, kind, installation.device)]
            # TRANSLATORS: the list of available models when there is none.
            listing = ", ".join(sorted(same_kind)[:8]) or _("none")
            problems.append(Problem("error", _(
                "model for {kind} '{model}' is not among the models the extraction service "
                "offers.{did_you_mean} Available for {kind}: {listing}.").format(
                    kind=kind, model=model, did_you_mean=did_you_mean(model, same_kind),
                    listing=listing), where=where))
            continue
        if slow:
            problems.append(slow_model_warning(kind, model, available, where=where))
        if model == installation.models.get(kind):
            unchanged[kind] = model
    if len(unchanged) == 1:
        [(kind, model)] = unchanged.items()
        problems.append(Problem("warning", _(
            "the new {kind} model is the one in use today ({model}): the migration would "
            "re-extract every object with the same model.").format(kind=kind, model=model),
            where=where))
    elif unchanged:  # one warning, not one per type saying the same
        listing = ", ".join(f"{kind}: {model}" for kind, model in unchanged.items())
        problems.append(Problem("warning", _(
            "the new models are the ones in use today ({listing}): the migration would "
            "re-extract every object with the same models.").format(listing=listing),
            where=where))
    return problems
