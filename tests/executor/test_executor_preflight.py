"""Preflight on a simulated installation, called as the wizard calls it (in-process)."""

from __future__ import annotations

from executor_helpers import NEW_MODELS, plan_of

from ffwizard.core.preflight import run_preflight
from ffwizard.runtime.sim import SimRuntime


def plan_for(root):
    plan = plan_of(root, {"models": NEW_MODELS["gpu"]})
    assert not plan.blocked, plan.problems
    return plan


def failures(plan, root):
    return [c.message for c in run_preflight(plan, SimRuntime(root)) if not c.ok]


def test_a_ready_installation_passes(make_sandbox):
    root = make_sandbox()
    assert failures(plan_for(root), root) == []


def test_new_shard_dir_holding_data_is_refused(make_sandbox):
    root = make_sandbox()
    plan = plan_for(root)
    new_dir = plan.step("create_shard_dirs").params.dirs[0]
    (root / new_dir).mkdir(parents=True)
    (root / new_dir / "00000000000000000001.snap").write_text("{}")
    assert failures(plan, root) == [f"the new shard directory {new_dir} already holds data: choose "
                                    f"another shard name, or move it away."]


def test_an_empty_new_shard_dir_is_fine(make_sandbox):
    root = make_sandbox()
    plan = plan_for(root)
    new_dir = plan.step("create_shard_dirs").params.dirs[0]
    for sub in ("index", "snapshots", "xlogs"):
        (root / new_dir / sub).mkdir(parents=True)
    assert failures(plan, root) == []


def test_a_file_changed_after_planning_is_refused(make_sandbox):
    root = make_sandbox()
    plan = plan_for(root)
    config = root / "configs/findface-extraction-api/findface-extraction-api.yaml"
    config.write_text(config.read_text() + "# edited by hand\n")
    assert failures(plan, root) == [f"{config} changed since the plan was made: review the plan again."]


class EveryQuestionAtOnce(SimRuntime):
    """Each shard's status and each tool's help waits until all of them are being asked: a
    preflight that asked one after another would leave the first waiting, and fail it."""

    def __init__(self, root, questions: int):
        super().__init__(root)
        import threading

        self.together = threading.Barrier(questions, timeout=30)

    def http_get(self, url, timeout=5.0):
        if url.endswith("/v2/status"):
            self.together.wait()
        return super().http_get(url, timeout)

    def exec(self, service, argv, *, workdir=None, timeout=None):
        if argv[-1] in ("-help", "--help"):
            self.together.wait()
        return super().exec(service, argv, workdir=workdir, timeout=timeout)


def test_the_shards_and_the_tools_are_asked_at_once(make_sandbox):
    root = make_sandbox()
    plan = plan_for(root)
    shards = len(plan.step("run_migration").params.old_shard_urls)
    runtime = EveryQuestionAtOnce(root, questions=shards + 2)  # + sf-api-migrate, manage.py
    checks = run_preflight(plan, runtime)
    assert [c.message for c in checks if not c.ok] == []
    assert sum(1 for c in checks if c.name == "tools") == 2
