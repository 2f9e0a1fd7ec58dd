"""What the simulated installation holds: models, galleries, images and how vectors are derived.

Vectors are hash-derived from (model, image bytes): the same image under the same model always
gives the same vector, and another model gives another one, which is all a migration can observe.
"""

from __future__ import annotations

import base64
import hashlib

OBJECT_TYPES = ("face", "body", "car")
MODEL_CATEGORY = {"face": "face", "body": "pedrec", "car": "carrec"}
MODELS_ROOT = "/usr/share/findface-data/models"

# Embedding models per object type, oldest first: the first is the one in use in a new sandbox,
# the later ones are what a migration can move to. Each exists as a .cpu.fnk and a .gpu.fnk.
EMBEDDING_MODELS = {
    "face": ("kiwi_320", "nectarine_m_160", "nectarine_l_320"),
    "body": ("vanilla_s_180", "wheat_m_256"),
    "car": ("tiny_vgg_160", "cedar_m_224"),
}
# Models that must never be offered as embedding models (detectors, normalizers, attributes).
OTHER_MODELS = {
    "face_detector": "detector/face.jasmine_fast.004",
    "body_detector": "detector/body.jasmine_fast.004",
    "car_detector": "detector/car.jasmine_fast.004",
    "face_norm": "facenorm/crop2x.v2_maxsize",
    "body_norm": "pedattr/norm.v1",
    "car_norm": "carattr/norm.v1",
    "face_age": "faceattr/age.v2",
    "face_gender": "faceattr/gender.v2",
    "face_quality": "faceattr/quality.v1",
    "body_color": "pedattr/color.v1",
    "car_make": "carattr/make.v1",
}
DEVICES = ("cpu", "gpu")

GALLERY_KINDS = ("events", "objects", "clusters")
# Share of a type's objects that go to each gallery kind.
GALLERY_SHARE = {"events": 0.7, "objects": 0.2, "clusters": 0.1}
USER_FACE_GALLERY = "ffsec_user_face"

VECTOR_BYTES = 32


def model_file(object_type: str, name: str, device: str) -> str:
    """`face/kiwi_320.gpu.fnk`: a model path relative to models_root."""
    return f"{MODEL_CATEGORY[object_type]}/{name}.{device}.fnk"


def all_model_files() -> list[str]:
    files = [model_file(t, n, d) for t, names in EMBEDDING_MODELS.items() for n in names for d in DEVICES]
    files += [f"{base}.{d}.fnk" for base in OTHER_MODELS.values() for d in DEVICES]
    return sorted(set(files))


def model_bytes(path: str) -> bytes:
    """Content of a simulated model file: a small header naming it (the sim checks it)."""
    return b"FNKSIM1\n" + path.encode() + b"\n" + hashlib.sha256(path.encode()).digest()


def galleries_for(types) -> list[str]:
    names = [f"ffsec_{t}_{kind}" for t in types for kind in GALLERY_KINDS]
    if "face" in types:
        names.append(USER_FACE_GALLERY)
    return names


def gallery_type(gallery: str) -> str | None:
    """Object type a gallery holds vectors of (`ffsec_body_events` -> body), None when unknown."""
    if gallery == USER_FACE_GALLERY:
        return "face"
    parts = gallery.split("_")
    if len(parts) >= 3 and parts[0] == "ffsec" and parts[1] in OBJECT_TYPES:
        return parts[1]
    return None


def image_path(gallery: str, object_id: int) -> str:
    """Where the upload store keeps an object's normalized image (relative to /uploads/)."""
    return f"{gallery}/{object_id % 97:02d}/{object_id}_norm.png"


def image_bytes(gallery: str, object_id: int) -> bytes:
    """A deterministic stand-in for a normalized image (PNG signature + digest)."""
    seed = hashlib.sha256(f"{gallery}/{object_id}".encode()).digest()
    return b"\x89PNG\r\n\x1a\n" + seed + seed[::-1]


def vector(model: str, image: bytes) -> str:
    """The feature vector `model` gives `image`, base64."""
    digest = hashlib.blake2b(image, digest_size=VECTOR_BYTES, key=model.encode()[:64]).digest()
    return base64.b64encode(digest).decode()
