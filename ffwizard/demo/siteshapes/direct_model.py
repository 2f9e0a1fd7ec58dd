"""`direct-model`: the extraction config as the vendor's FindFace Multi 2.2 page prints it —
every model file directly under its key (`face_emben: face/<model>.gpu.fnk`) instead of under
`default: {model: …}`, and `models_root` at the top level rather than under `extractors`."""

from __future__ import annotations

import re

from ffwizard.demo.sandbox import EXTRACTION_CONFIG, Sandbox, Texts

NESTED = re.compile(r"^    (?P<key>\w+):\n      default:\n        model: (?P<model>.*)$", re.MULTILINE)
NESTED_ROOT = re.compile(r"^  models_root: (?P<path>.*)\n", re.MULTILINE)


def rewrite(sandbox: Sandbox, texts: Texts) -> Texts:
    text = texts[EXTRACTION_CONFIG]
    text = NESTED.sub(r"    \g<key>: \g<model>", text)
    text = text.replace("only the `default` variant reaches the database",
                        "the model whose vectors reach the database")
    models_root = NESTED_ROOT.search(text)
    assert models_root is not None, "the vendor's extraction config names its models_root"
    text = NESTED_ROOT.sub("", text) + f"models_root: {models_root['path']}\n"
    return {**texts, EXTRACTION_CONFIG: text}
