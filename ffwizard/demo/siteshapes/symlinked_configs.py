"""`symlinked-configs`: the compose file and the configs ffwizard edits are symbolic links into
a directory the site keeps its settings in (here `site-settings/` in the sandbox, relative
links); ffwizard edits the targets through the links and leaves the links as they are."""

from __future__ import annotations

import os
from pathlib import Path

from ffwizard.demo.sandbox import COMPOSE_FILE, EXTRACTION_CONFIG, SF_API_CONFIG, Sandbox

SETTINGS_DIR = "site-settings"
LINKED = (COMPOSE_FILE, EXTRACTION_CONFIG, SF_API_CONFIG)


def finish(sandbox: Sandbox) -> None:
    for relative in LINKED:
        link = sandbox.root / relative
        target = sandbox.root / SETTINGS_DIR / Path(relative).name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(link, target)
        link.symlink_to(os.path.relpath(target, link.parent))
