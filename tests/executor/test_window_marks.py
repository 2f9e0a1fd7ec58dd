"""The copy's start marks, read from running simulated shards, are the highest object id of each
gallery in the shards' data on disk: with the galleries' true counts, with counts that are
wrong (a live site's, read a moment earlier), and without counts."""

from __future__ import annotations

from executor_helpers import shard_content, shard_dirs

from ffwizard.core import window
from ffwizard.core.detect import detect
from ffwizard.core.plan import shard_url
from ffwizard.core.progress import gallery_counts
from ffwizard.runtime.sim import SimRuntime


def test_marks_are_the_highest_ids_on_disk_whatever_the_counts(make_sandbox):
    root = make_sandbox(shards=3, objects=600)
    runtime = SimRuntime(root)
    urls = [shard_url(s) for s in detect(root).shards]
    counts = gallery_counts(runtime, urls)
    on_disk: dict[str, int] = {}
    for data_dir in shard_dirs(root):
        for gallery, (_model, objects) in shard_content(data_dir).items():
            on_disk[gallery] = max([on_disk.get(gallery, 0), *(i for i, _ in objects)])
    galleries = sorted(counts)
    assert sorted(on_disk) == galleries and all(on_disk.values())
    for given in (counts, {g: n * 3 + 7 for g, n in counts.items()},
                  {g: max(0, n - 40) for g, n in counts.items()}, {g: 1 for g in counts}, None):
        assert window.marks(runtime, urls, galleries, given) == on_disk
    # One shard's gallery alone (the old search, kept for a single shard).
    assert max(window.highest_id(runtime, url, galleries[0]) for url in urls) == on_disk[galleries[0]]
