"""Shape `renamed-project`: the compose project is not named after the directory and no file
names it (the site started it once with `-p oe`); only the running containers' labels tell."""

from __future__ import annotations

from ffwizard.demo.sandbox import Sandbox, Texts

PROJECT = "oe"


def rewrite(sandbox: Sandbox, texts: Texts) -> Texts:
    texts[".env"] = "# docker compose settings of this installation\n"
    return texts
