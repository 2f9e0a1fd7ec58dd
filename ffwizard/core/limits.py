"""What ffwizard agrees to read: bounded files of text.

The vendor's configs and compose files are kilobytes (a 64-shard compose file is 49 KB). A file
over MAX_CONFIG_BYTES (4 MiB) is refused in one sentence rather than fed to ruamel's round-trip
scanner, which takes minutes on tens of megabytes. Text holding a NUL byte is not a YAML file
(a truncated write, a binary copied over it): refused naming the line.
"""

from __future__ import annotations

import os
from pathlib import Path

from ffwizard.i18n import format_decimal

MAX_CONFIG_BYTES = 4 * 1024 * 1024


def file_too_big(path: Path | str, *, limit: int = MAX_CONFIG_BYTES) -> int | None:
    """The file's size when it is over `limit`, else None (a missing file: None, read says)."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return None
    return size if size > limit else None


def nul_line(text: str) -> int | None:
    """The 1-based line of the first NUL character in `text`, or None."""
    position = text.find("\0")
    if position < 0:
        return None
    return text.count("\n", 0, position) + 1


def mebibytes(size: int) -> str:
    return format_decimal(size / (1024 * 1024))
