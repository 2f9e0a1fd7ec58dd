"""Checks that the copy is complete: per gallery, objects in the new shards equal the old ones."""

from __future__ import annotations

from dataclasses import dataclass, field

from ffwizard.core.ports import Runtime
from ffwizard.core.progress import gallery_counts
from ffwizard.i18n import N_, _

# One whole sentence per comparison, so that a translation can order its parts freely.
MISMATCH_SENTENCES = {
    "copy": N_("{gallery}: {old} in the old shards, {new} in the new ones"),
    "sf-api": N_("{gallery}: {old} in the new shards, {new} in sf-api"),
}


@dataclass
class CountComparison:
    """Objects per gallery in the old and the new shards, and the galleries that differ."""

    old: dict[str, int]
    new: dict[str, int]
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def compare_counts(old: dict[str, int], new: dict[str, int], *, at_least: bool = False,
                   compared: str = "copy") -> CountComparison:
    """Equal counts per gallery (or, with `at_least`, new >= old: new events may arrive).
    `compared`: "copy" (old shards against new ones) or "sf-api" (new shards against sf-api),
    which names the two sides in the mismatch sentences."""
    sentence = MISMATCH_SENTENCES[compared]
    result = CountComparison(dict(old), dict(new))
    for name in sorted(set(old) | set(new)):
        o, n = old.get(name, 0), new.get(name, 0)
        if (n < o) if at_least else (n != o):
            result.mismatches.append(_(sentence).format(gallery=name, old=o, new=n))
    return result


def unhealthy_shards(runtime: Runtime, base_urls: list[str]) -> list[str]:
    """Sentences for each shard that does not answer GET /v2/status with 200."""
    problems: list[str] = []
    for base in base_urls:
        answer = runtime.http_get(base.rstrip("/") + "/v2/status", timeout=5)
        if answer.status != 200:
            problems.append(_("the shard at {url} is not healthy ({why})").format(
                url=base, why=answer.error or f"HTTP {answer.status}"))
    return problems



def replica_mismatches(runtime: Runtime, masters: tuple[str, ...],
                       replicas: tuple[str, ...]) -> list[str]:
    """Sentences for each replica that does not hold what its shard holds, gallery by gallery."""
    sentences: list[str] = []
    for master, replica in zip(masters, replicas):
        for line in compare_counts(gallery_counts(runtime, [master]),
                                   gallery_counts(runtime, [replica])).mismatches:
            sentences.append(_("the replica at {url} does not follow its shard ({mismatch})")
                             .format(url=replica, mismatch=line))
    return sentences
