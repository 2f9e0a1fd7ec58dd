"""`systemd-era-model`: an extraction config carried over from FindFace Security 4.x / Multi 1.x,
whose models are keyed by the object type alone (`face: face/<model>.gpu.fnk`, no `_emben`).
ffwizard refuses it: it is another generation's config, not one it knows how to migrate."""

from __future__ import annotations

import re

from ffwizard.demo.sandbox import EXTRACTION_CONFIG, Sandbox, Texts

EMBEDDING = re.compile(r"^    # (?:face|body|car)_emben:.*\n"
                       r"    (?P<type>face|body|car)_emben:\n      default:\n        model: (?P<model>.*)$",
                       re.MULTILINE)


def rewrite(sandbox: Sandbox, texts: Texts) -> Texts:
    text = EMBEDDING.sub(r"    \g<type>: \g<model>", texts[EXTRACTION_CONFIG])
    return {**texts, EXTRACTION_CONFIG: text}
