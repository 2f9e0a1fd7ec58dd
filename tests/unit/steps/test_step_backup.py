from __future__ import annotations

import os
from pathlib import Path

from install_fixtures import plan_of
from step_helpers import Harness

from ffwizard.core.plan import Plan


def test_backup_plans_dumps_copies_and_leaves_the_dump_on_undo(gpu8):
    plan = plan_of(gpu8)
    step = plan.step("backup")
    assert step.params.host_dir == str(gpu8 / "backups/ffmulti_dump")
    assert step.kind.needs(step, plan).services == ("findface-sf-api",)
    h = Harness(plan)
    h.run_step("backup")
    assert [c[2] for c in h.calls("exec")] == [("mkdir", "-p", "/ffmulti_dump"),
                                               ("/storage-api-dump", "-config",
                                                "/etc/findface-sf-api.ini")]
    target = Path(step.params.host_dir)
    assert (target / "gallery.dump").read_text() == "dump"
    assert h.run.state().data["backup"]["dump_dir"] == str(target)
    again = len(h.runtime.calls)
    h.run_step("backup")  # done already: nothing is dumped twice
    assert len(h.runtime.calls) == again
    h.undo_step("backup")  # the dump is the way back: never removed
    assert (target / "gallery.dump").exists()


def test_backup_goes_next_to_an_earlier_dump(gpu8):
    plan: Plan = plan_of(gpu8)
    earlier = Path(plan.step("backup").params.host_dir)
    earlier.mkdir(parents=True)
    (earlier / "old.dump").write_text("old")
    h = Harness(plan)
    h.run_step("backup")
    dump = Path(h.run.state().data["backup"]["dump_dir"])
    assert dump != earlier and dump.name.startswith("ffmulti_dump.")
    assert (earlier / "old.dump").read_text() == "old"


def _modes(top: Path) -> dict[str, str]:
    """Relative path -> octal mode of `top` and everything under it."""
    return {str(p.relative_to(top.parent)): f"{p.stat().st_mode & 0o777:o}"
            for p in (top, *sorted(top.rglob("*")))}


def test_the_dump_is_readable_by_root_only(gpu8):
    # Feature vectors are biometric data: the dump, and the backups directory ffwizard made
    # for it, are 0700/0600 whatever the umask and the modes inside the container.
    old_umask = os.umask(0o022)
    try:
        plan = plan_of(gpu8)
        h = Harness(plan)
        h.run_step("backup")
    finally:
        os.umask(old_umask)
    dump = Path(h.run.state().data["backup"]["dump_dir"])
    modes = _modes(dump.parent)
    assert modes == {"backups": "700", "backups/ffmulti_dump": "700",
                     "backups/ffmulti_dump/gallery.dump": "600"}


def test_a_backup_dir_that_exists_keeps_its_mode_but_the_dump_is_private(gpu8, tmp_path):
    outside = tmp_path / "srv"
    outside.mkdir(mode=0o755)
    os.chmod(outside, 0o755)
    plan = plan_of(gpu8, {"backup_dir": str(outside / "dumps")})
    h = Harness(plan)
    h.run_step("backup")
    assert f"{outside.stat().st_mode & 0o777:o}" == "755"  # not ffwizard's to change
    assert _modes(outside / "dumps") == {"dumps": "700", "dumps/gallery.dump": "600"}
