"""How many objects a migration re-extracts, read from the old shards before the start
(read-only): the scale of the window the engineer commits to."""

from __future__ import annotations

from typing import Any

from ffwizard.core.errors import CountError
from ffwizard.core.plan import Plan
from ffwizard.core.progress import format_count, gallery_counts
from ffwizard.i18n import _, ngettext


def objects_to_reextract(http: Any, plan: Plan) -> tuple[dict[str, int] | None, str | None]:
    """(objects per gallery of the old shards, None) or (None, why they could not be read).
    `http`: anything with the runtime's `http_get`."""
    urls = [f"http://{s.http_host}:{s.http_port}/" for s in (plan.installation.shards
                                                             if plan.installation else [])
            if s.http_port]
    if not urls:
        return None, _("no old shard has a known HTTP port")
    try:
        return gallery_counts(http, urls, timeout=5), None
    except CountError as err:
        return None, str(err)


def reextract_text(counts: dict[str, int] | None, why: str | None) -> str:
    """One line: the total and the galleries, or why the number is unknown."""
    if counts is None:
        return _("unknown before the run: {why}").format(why=why)
    total = sum(counts.values())
    galleries = ", ".join(f"{name} {format_count(count)}" for name, count in sorted(counts.items())
                          if count)
    return ngettext("{total} object to re-extract ({galleries})",
                    "{total} objects to re-extract ({galleries})", total).format(
        total=format_count(total), galleries=galleries or "—")
