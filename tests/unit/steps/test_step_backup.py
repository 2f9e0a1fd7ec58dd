from __future__ import annotations

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
