"""Long paths wrapped where a path may be cut (the Review screen's commands and diffs)."""

from __future__ import annotations

from textual.content import Content

from ffwizard.ui.widgets.path_text import break_offsets, wrap_at_separators


def test_a_command_is_cut_at_spaces_and_slashes_not_inside_names():
    text = ("$ mkdir -p /opt/findface-multi/data/findface-tarantool-server/shard-011/index "
            "/opt/findface-multi/data/findface-tarantool-server/shard-011/snapshots")
    lines = wrap_at_separators(Content(text), 40).plain.splitlines()
    assert lines == ["$ mkdir -p /opt/findface-multi/data/",
                     "  findface-tarantool-server/shard-011/",
                     "  index /opt/findface-multi/data/",
                     "  findface-tarantool-server/shard-011/",
                     "  snapshots"]
    assert all(len(line) <= 40 for line in lines)


def test_a_name_wider_than_the_line_is_cut_at_a_dash_then_folded():
    assert wrap_at_separators(Content("a/" + "findface-extraction-api-config.yaml"), 20).plain \
        .splitlines() == ["a/", "  findface-", "  extraction-api-", "  config.yaml"]
    assert break_offsets("x" * 25, 10) == [10, 18]


def test_what_fits_is_left_alone():
    assert break_offsets("short line", 40) == []
    assert wrap_at_separators(Content("one\ntwo"), 10).plain == "one\ntwo"
