"""`ffwizard plan` without a model chosen: on a sandbox it asks the simulated services, and a
plan that keeps today's models does not say it can run as if all were well."""

from __future__ import annotations

from pathlib import Path

from ffwizard.cli import main

INSTALLS = Path(__file__).parents[1] / "fixtures" / "installs"


def words(text: str) -> str:
    return " ".join(text.split())


def test_plan_on_a_sandbox_proposes_new_models_without_runtime(sim_sandbox, capsys):
    status = main(["plan", "--root", str(sim_sandbox.root)])
    out = capsys.readouterr().out
    assert status == 0
    assert "face/kiwi_320.gpu.fnk → face/nectarine_m_160.gpu.fnk" in out
    assert "in use today" not in out
    assert "The plan can run" in out


def test_a_plan_keeping_todays_models_says_no_model_is_chosen(capsys):
    status = main(["plan", "--root", str(INSTALLS / "gpu8")])
    out = words(capsys.readouterr().out)
    assert status == 0
    assert "The plan can run" not in out
    assert "No new model is chosen: the plan would only re-extract every object" in out
    assert "Choose the new models: add --runtime docker" in out
