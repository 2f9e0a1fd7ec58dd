"""The window between the model switch and the sf-api switch, measured from the shards.

A live site keeps adding events to the old shards while their objects are copied. Counts alone
cannot tell which objects were copied, so the copy's start is marked per gallery by the highest
object id then in the old shards (the *mark*). Afterwards:

  objects at or below the mark = objects in the gallery - objects listed after the mark

on both sides; equal numbers mean the objects present when the copy started are in the new
shards (an object deleted from the old shards during the copy would count against that). What
was listed after the mark in the old shards arrived during the window; those of its ids the new
shards also list were copied.

[guess] This relies on two properties of the real tntapi that the simulated shard and the
migration tool share: a gallery lists its objects in increasing id order after a given id
(`GET /v2/galleries/<g>/objects?after=ID&limit=N`), and FindFace gives a new object an id above
every id of its gallery. Verify both on a real shard before trusting the check there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ffwizard.core.errors import CountError
from ffwizard.core.parallel import map_in_groups, map_in_threads
from ffwizard.core.ports import Runtime
from ffwizard.core.progress import gallery_counts
from ffwizard.i18n import _, format_count, ngettext

PAGE = 1000  # ids listed per request when collecting the arrivals


def _objects_url(base: str, gallery: str, after: int | None, limit: int) -> str:
    url = f"{base.rstrip('/')}/v2/galleries/{gallery}/objects?limit={limit}"
    return url if after is None else f"{url}&after={after}"


def _page(runtime: Runtime, base: str, gallery: str, after: int | None,
          limit: int) -> tuple[list[int], int | None]:
    """Ids of one page of a gallery's objects after `after`, and the cursor of the next page."""
    answer = runtime.http_get(_objects_url(base, gallery, after, limit), timeout=10)
    if answer.status != 200:
        raise CountError(_("the shard at {url} did not list the objects of {gallery} ({why})")
                         .format(url=base, gallery=gallery,
                                 why=answer.error or f"HTTP {answer.status}"))
    try:
        data = json.loads(answer.body)
        ids = [int(item[0] if isinstance(item, list) else item["id"])
               for item in data["objects"]]
        cursor = data.get("next")
    except (ValueError, KeyError, TypeError, IndexError):
        raise CountError(_("the shard at {url} answered an object list ffwizard cannot read "
                           "({gallery})").format(url=base, gallery=gallery)) from None
    return ids, (int(cursor) if cursor is not None else None)


def _first_after(runtime: Runtime, base: str, gallery: str, after: int | None) -> int | None:
    """The lowest id of a gallery on one shard above `after` (None: there is none)."""
    ids, _cursor = _page(runtime, base, gallery, after, 1)
    return ids[0] if ids else None


def _highest_from(runtime: Runtime, base: str, gallery: str, low: int) -> int:
    """The highest object id of a gallery on one shard, `low` being one of its ids: a gallop
    above it, then a bisection (a few dozen one-object requests at most, whatever the size)."""
    step = 1
    while True:                    # gallop until nothing lies above low + step
        above = _first_after(runtime, base, gallery, low + step)
        if above is None:
            break
        low, step = above, step * 2
    high = low + step              # nothing above `high`
    while True:
        above = _first_after(runtime, base, gallery, low)
        if above is None:
            return low
        middle = (above + high) // 2
        found = _first_after(runtime, base, gallery, middle)
        if found is not None:
            low = found
        else:
            low, high = above, middle


def highest_id(runtime: Runtime, base: str, gallery: str) -> int:
    """The highest object id of a gallery on one shard (0 when it is empty)."""
    first = _first_after(runtime, base, gallery, None)
    return 0 if first is None else _highest_from(runtime, base, gallery, first)


def _each(urls: list[str], galleries: list[str],
          work: Callable[[str, str], Any]) -> dict[tuple[str, str], Any]:
    pairs = [(u, g) for u in urls for g in galleries]
    return dict(zip(pairs, map_in_threads(lambda pair: work(*pair), pairs)))


def marks(runtime: Runtime, urls: list[str], galleries: list[str],
          counts: Mapping[str, int] | None = None) -> dict[str, int]:
    """Per gallery, the highest object id over the shards at `urls` (the copy's start mark).

    `counts` (objects per gallery over those shards, asked for when not given) only guides the
    search: ids are distinct, so the highest lies at least count - 1 above the lowest. Every
    shard is then asked (all at once) whether it holds an id above the highest found so far,
    and only a shard that does is searched further. Every figure used is an id a shard listed,
    so a stale count costs requests, never a wrong mark."""
    if counts is None:
        counts = gallery_counts(runtime, urls)
    firsts = _each(urls, galleries, lambda url, g: _first_after(runtime, url, g, None))

    def guess(url: str, gallery: str) -> int | None:
        present = [firsts[(u, gallery)] for u in urls if firsts[(u, gallery)] is not None]
        total = counts.get(gallery, 0)
        if not present or total < 2:
            return None
        return _first_after(runtime, url, gallery, min(present) + total - 2)

    guesses = _each(urls, galleries, guess)
    # The highest id found so far per gallery (None: no shard listed any of its objects).
    tops: dict[str, int | None] = {
        g: max((int(found[(u, g)]) for found in (firsts, guesses) for u in urls
                if found[(u, g)] is not None), default=None) for g in galleries}

    def higher(url: str, gallery: str) -> int | None:
        """The shard's highest id when it holds one above the highest found so far."""
        top = tops[gallery]
        above = None if top is None else _first_after(runtime, url, gallery, top)
        return None if above is None else _highest_from(runtime, url, gallery, above)

    highers = _each(urls, galleries, higher)
    return {g: max([t for t in (tops[g], *(highers[(u, g)] for u in urls)) if t is not None],
                   default=0) for g in galleries}


def ids_after(runtime: Runtime, base: str, gallery: str, mark: int) -> set[int]:
    ids: set[int] = set()
    after: int | None = mark
    while after is not None:
        page, after = _page(runtime, base, gallery, after, PAGE)
        ids.update(page)
    return ids


STEADY_TRIES = 10


def _steady_shard(runtime: Runtime, url: str,
                  marks_: Mapping[str, int]) -> tuple[dict[str, int], dict[str, set[int]]]:
    """One shard's counts and ids above the marks, read so that they belong together: the ids
    are listed before and after the count, until both listings agree (nothing arrived in
    between). Raises CountError when the shard never holds still."""
    def listing() -> dict[str, set[int]]:
        return {g: ids_after(runtime, url, g, mark) for g, mark in marks_.items()}

    before = listing()
    for _attempt in range(STEADY_TRIES):
        counts = gallery_counts(runtime, [url])
        after = listing()
        if after == before:
            return counts, after
        before = after
    raise CountError(_("the shard at {url} kept receiving objects while ffwizard counted them; "
                       "try again ('ffwizard resume')").format(url=url))


Steady = tuple[dict[str, int], dict[str, set[int]]]


def _steady(runtime: Runtime, groups: list[list[str]],
            marks_: Mapping[str, int]) -> list[Steady]:
    """Per group of shards (the old ones, the new ones): counts per gallery and ids above the
    marks, summed over its shards. Every shard of every group is read at once."""
    results = []
    for shards in map_in_groups(lambda u: _steady_shard(runtime, u, marks_), groups):
        counts: dict[str, int] = {}
        above: dict[str, set[int]] = {g: set() for g in marks_}
        for shard_counts, shard_above in shards:
            for name, count in shard_counts.items():
                counts[name] = counts.get(name, 0) + count
            for name, ids in shard_above.items():
                above[name] |= ids
        results.append((counts, above))
    return results


@dataclass(frozen=True)
class GalleryWindow:
    """One gallery's objects, measured against the copy's start mark."""

    gallery: str
    mark: int
    old: int            # objects in the old shards now
    new: int            # objects in the new shards now
    arrived: int        # old objects with an id above the mark: arrived during the window
    arrived_copied: int  # of those, the ones the new shards hold too
    new_above: int      # new objects with an id above the mark
    last: int = 0       # the highest id that arrived (0: none)

    @property
    def old_at_mark(self) -> int:
        return self.old - self.arrived

    @property
    def new_at_mark(self) -> int:
        return self.new - self.new_above

    @property
    def start_copied(self) -> bool:
        return self.old_at_mark == self.new_at_mark

    def to_json(self) -> dict[str, int]:
        return {"mark": self.mark, "old": self.old, "new": self.new, "arrived": self.arrived,
                "arrived_copied": self.arrived_copied, "new_above": self.new_above,
                "last": self.last}


def measure(runtime: Runtime, old_urls: list[str], new_urls: list[str],
            marks_: Mapping[str, int]) -> list[GalleryWindow]:
    """Each gallery of `marks_` against its mark, old and new shards each read steadily."""
    (old_counts, old_after), (new_counts, new_after) = _steady(runtime, [old_urls, new_urls],
                                                              marks_)
    return [GalleryWindow(g, marks_[g], old_counts.get(g, 0), new_counts.get(g, 0),
                          len(old_after[g]), len(old_after[g] & new_after[g]),
                          len(new_after[g]), max(old_after[g], default=0))
            for g in sorted(marks_)]


def counts_of(windows: list[GalleryWindow]) -> tuple[dict[str, int], dict[str, int]]:
    """(old counts, new counts) per gallery, as measured with the windows."""
    return ({w.gallery: w.old for w in windows}, {w.gallery: w.new for w in windows})


def arrivals_by_gallery(windows: list[GalleryWindow]) -> dict[str, dict[str, int]]:
    """The journal's form: gallery -> {arrived, arrived_copied, mark, last} (the ids counted:
    above `mark`, up to `last`), galleries with arrivals only."""
    return {w.gallery: {"arrived": w.arrived, "arrived_copied": w.arrived_copied,
                        "mark": w.mark, "last": w.last}
            for w in windows if w.arrived}


# --- words ---------------------------------------------------------------------------------------

def start_mismatches(windows: list[GalleryWindow]) -> list[str]:
    """One sentence per gallery whose objects of the copy's start are not all in the new shards."""
    return [_("{gallery}: {old} objects up to the copy's start mark (id {mark}) in the old "
              "shards, {new} in the new ones").format(
                  gallery=w.gallery, old=format_count(w.old_at_mark),
                  new=format_count(w.new_at_mark), mark=w.mark)
            for w in windows if not w.start_copied]


def arrival_sentences(arrivals: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Per gallery: how many objects arrived during the window, how many reached the new shards."""
    lines = []
    for gallery in sorted(arrivals):
        item = arrivals[gallery]
        arrived, copied = int(item.get("arrived", 0)), int(item.get("arrived_copied", 0))
        lines.append(ngettext("{gallery}: {count} object arrived during the copy, {copied} of "
                              "them in the new shards",
                              "{gallery}: {count} objects arrived during the copy, {copied} of "
                              "them in the new shards", arrived).format(
            gallery=gallery, count=format_count(arrived), copied=format_count(copied)))
    return lines


def arrival_totals(arrivals: Mapping[str, Mapping[str, int]]) -> tuple[int, int]:
    """(objects arrived, of them in the new shards), over every gallery."""
    return (sum(int(a.get("arrived", 0)) for a in arrivals.values()),
            sum(int(a.get("arrived_copied", 0)) for a in arrivals.values()))


def window_sentence(arrivals: Mapping[str, Mapping[str, int]], *, paused: bool) -> str:
    """The window in one sentence, for the question of the point of no return and the report."""
    arrived, copied = arrival_totals(arrivals)
    if not arrived:
        if paused:
            return _("Event intake was paused: no object arrived in the old shards after the "
                     "copy started.")
        return _("No object arrived in the old shards after the copy started.")
    missing = arrived - copied
    return ngettext("{count} object arrived in the old shards after the copy started; {copied} "
                    "of them are in the new shards, {missing} are not (they stay in the old "
                    "shards' data and are not served after the switch).",
                    "{count} objects arrived in the old shards after the copy started; {copied} "
                    "of them are in the new shards, {missing} are not (they stay in the old "
                    "shards' data and are not served after the switch).", arrived).format(
        count=format_count(arrived), copied=format_count(copied),
        missing=format_count(missing))
