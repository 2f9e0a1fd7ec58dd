"""`crlf`: the compose file and the configs ffwizard edits saved with Windows line endings
(CRLF), as an editor on a Windows desktop leaves them; ffwizard's edits keep CRLF."""

from __future__ import annotations

from ffwizard.demo.sandbox import COMPOSE_FILE, EXTRACTION_CONFIG, SF_API_CONFIG, Sandbox, Texts

EDITED = (COMPOSE_FILE, EXTRACTION_CONFIG, SF_API_CONFIG)


def rewrite(sandbox: Sandbox, texts: Texts) -> Texts:
    return {path: text.replace("\n", "\r\n") if path in EDITED else text
            for path, text in texts.items()}
