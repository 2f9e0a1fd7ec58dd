"""The wizard saves its answers (Review: "Save answers…") to the file `apply --answers` reads:
`plan --answers` on that file gives the plan the wizard showed; `plan --save-answers` writes the
same form."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input, Select
from tui_helpers import screen_name, wait_for, widget_text

from ffwizard.cli import main
from ffwizard.ui.app import create_app

pytestmark = pytest.mark.asyncio


def same_plan(data: dict) -> dict:
    """What a plan does (its answers, new shards and steps), without where its problems sit."""
    return {key: data[key] for key in ("answers", "new_shards", "steps")}


async def test_answers_saved_in_the_wizard_give_the_same_plan(sim_sandbox, tmp_path, capsys):
    demo = sim_sandbox
    app = create_app(demo.root, "sim", demo=True, runtime=demo.runtime)
    saved = tmp_path / "site" / "answers.yaml"
    saved.parent.mkdir()
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(2):
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
        await wait_for(pilot, lambda: screen_name(app) == "ModelsScreen")
        # Choices of the user's own, not only proposals.
        app.screen.query_one("#use-car").value = False
        app.screen.query_one("#model-face", Select).value = "face/nectarine_l_320.gpu.fnk"
        await pilot.pause(0.1)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(app) == "ShardsScreen")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(app) == "SettingsScreen")
        app.screen.query_one("#workers_num", Input).value = "5"
        await pilot.pause(0.1)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")
        await wait_for(pilot, lambda: app.screen.shown_plan is not None)
        shown = app.screen.shown_plan

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "SaveAnswers")
        app.screen.query_one("#answers-path", Input).value = str(saved)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")
        assert f"Answers saved in {saved}." in widget_text(app, "#message")
    assert shown.answers.workers_num == 5 and shown.answers.object_types == ["face", "body"]

    capsys.readouterr()
    status = main(["plan", "--root", str(demo.root), "--answers", str(saved), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert status == 0
    assert same_plan(data) == same_plan(json.loads(json.dumps(shown.to_json_dict())))

    # plan --save-answers writes the same file again (the same answers, nothing to keep aside).
    again = tmp_path / "again.yaml"
    assert main(["plan", "--root", str(demo.root), "--answers", str(saved),
                 "--save-answers", str(again)]) == 0

    def answers_of(path):  # the heading names the file itself: the answers are what must agree
        return [line for line in path.read_text().splitlines() if not line.startswith("#")]

    assert answers_of(again) == answers_of(saved)
    assert main(["plan", "--root", str(demo.root), "--save-answers", str(again)]) == 0
    err = capsys.readouterr().err
    assert f"kept as {again}.bak" in err
    assert answers_of(tmp_path / "again.yaml.bak") == answers_of(saved)
