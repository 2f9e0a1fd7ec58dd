"""A model built for the other device: what plan, preflight and the proposals say of it."""

from __future__ import annotations

from ffwizard import session
from ffwizard.cli import main

CPU_FACE = "face/nectarine_l_320.cpu.fnk"
GPU_FACE = "face/nectarine_l_320.gpu.fnk"


def test_cpu_model_on_gpu_service_is_a_warning_naming_the_gpu_variant(sim_sandbox, tmp_path,
                                                                       capsys):
    demo = sim_sandbox
    opened = session.open_installation(demo.root, "sim", runtime=demo.runtime)
    available = session.available_models(opened)
    assert CPU_FACE in available and GPU_FACE in available
    plan = session.make_plan(opened.installation, {"models": {"face": CPU_FACE}}, available,
                             source="answers.yaml")
    warnings = [p.message for p in plan.problems if p.severity == "warning"]
    assert any("is a CPU model" in w and "much slower" in w and GPU_FACE in w for w in warnings)
    assert not plan.blocked  # a choice the user may make on purpose

    checks = session.preflight(plan, opened.runtime)
    models = [c for c in checks if c.name == "models"]
    assert all(c.ok for c in models)
    assert not any("suit" in c.message for c in models)  # untrue here
    [warning] = [c for c in models if c.warning]
    assert CPU_FACE in warning.message and "on the CPU, much slower" in warning.message

    # Proposals never pick the other device's build.
    proposed, _problems = session.proposal(opened.installation, available)
    assert all(m.endswith(".gpu.fnk") for m in proposed.models.values())

    answers = tmp_path / "answers.yaml"
    answers.write_text(f"models:\n  face: {CPU_FACE}\n")
    status = main(["plan", "--root", str(demo.root), "--runtime", "sim", "--answers",
                   str(answers)])
    out = capsys.readouterr().out
    assert status == 0
    assert "is a CPU model" in " ".join(out.split())


def test_models_that_suit_the_device_still_say_so(sim_sandbox):
    demo = sim_sandbox
    opened = session.open_installation(demo.root, "sim", runtime=demo.runtime)
    available = session.available_models(opened)
    plan = session.make_plan(opened.installation, {"models": {"face": GPU_FACE}}, available,
                             source=None)
    checks = [c for c in session.preflight(plan, opened.runtime) if c.name == "models"]
    assert [c.message for c in checks] == [
        "the new models are in the extraction service and suit its GPU"]
