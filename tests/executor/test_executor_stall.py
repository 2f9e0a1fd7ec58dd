"""A stalled copy told apart from a slow one (#14, point 4), end to end: the real simulated
migration tool is frozen (SIGSTOP to its process group) while `apply` follows it; with a short
stall setting, `status` and `attach` say "stalled" and what to check; thawed (SIGCONT), the copy
goes on, the word goes away and the run finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from executor_helpers import (
    FAST_ENV,
    ffwizard,
    inherited_env,
    journal_events,
    wait_for,
    write_answers,
)

from ffwizard.core import detached
from ffwizard.core.journal import current_run_dir

STALL_ENV = {"FFWIZARD_STALL_SECONDS": "1"}
WHAT_TO_CHECK = ("Check the migration tool's output, the extraction service and the new "
                 "shards")


def words(text: str) -> str:
    return " ".join(text.split())


def copied_so_far(root) -> int:
    """Objects in the new shards as the executor last counted them (its progress mark)."""
    import json

    try:
        return int(json.loads((current_run_dir(root) / "progress.json").read_text())["done"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def tool_group(root) -> int:
    state = detached.read_state(current_run_dir(root) / "migration.exit")
    assert state is not None and detached.group_alive(state)
    return state.pid  # the wrapper leads the group the tool runs in


def test_a_frozen_tool_is_shown_stalled_by_status_and_attach_and_recovers(make_sandbox,
                                                                          tmp_path):
    root = make_sandbox(objects=300)
    # Paced: 300 objects at 20/s, so the tool is mid-copy when it is frozen.
    env = {**inherited_env(), **FAST_ENV, **STALL_ENV, "FFSIM_PACE": "20"}
    apply = subprocess.Popen(
        [sys.executable, "-m", "ffwizard", "apply", "--root", str(root), "--answers",
         str(write_answers(tmp_path)), "--runtime", "sim", "--yes"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    group = None
    attach = None
    try:
        wait_for(lambda: any(e.get("point") == "launched" for e in journal_events(root)),
                 "the migration tool to start")
        wait_for(lambda: copied_so_far(root) > 0, "the first objects copied")
        group = tool_group(root)
        os.killpg(group, signal.SIGSTOP)

        # `status`: the copy is stalled, and it says what to check.
        def status_stalled():
            shown = ffwizard("status", "--root", str(root), env=STALL_ENV)
            assert shown.returncode == 0, shown.stdout + shown.stderr
            return shown.stdout if "stalled: no object copied for" in shown.stdout else None

        stalled = words(wait_for(status_stalled, "status to say stalled"))
        assert WHAT_TO_CHECK in stalled
        assert "ffwizard attach --stop-migration" in stalled
        assert "Migration tool: running" in stalled  # stalled, not dead
        assert "left" not in stalled and "on average" not in stalled  # no pace to go by

        # `attach`: its progress lines say it too.
        attach = subprocess.Popen(
            [sys.executable, "-m", "ffwizard", "attach", "--root", str(root), "--interval",
             "0.2"], env={**inherited_env(), **FAST_ENV, **STALL_ENV},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert attach.stdout is not None
        seen: list[str] = []

        def attach_stalled():
            line = attach.stdout.readline()
            seen.append(line)
            return line if line.startswith("progress:") and "stalled" in line else None

        line = words(wait_for(attach_stalled, "attach to say stalled"))
        assert WHAT_TO_CHECK in line, seen
        assert "'ffwizard resume --rerun-migration'" in line
        assert "left" not in line and "/s" not in line  # no rate, no time left

        # Thawed: the copy goes on, and the next progress lines no longer say stalled.
        os.killpg(group, signal.SIGCONT)
        group = None

        def attach_progressing():
            line = attach.stdout.readline()
            seen.append(line)
            return line if line.startswith("progress:") and "stalled" not in line else None

        wait_for(attach_progressing, "attach to show progress again")
        attach.send_signal(signal.SIGINT)  # detach, as Ctrl+C does
        out, err = attach.communicate(timeout=30)
        assert attach.returncode == 0 and "Traceback" not in err, out + err

        out, err = apply.communicate(timeout=180)
    finally:
        if group is not None:
            os.killpg(group, signal.SIGCONT)
        for process in (attach, apply):
            if process is not None and process.poll() is None:
                process.kill()
    assert apply.returncode == 0, out + err
    assert "Migration finished" in out
    after = ffwizard("status", "--root", str(root), env=STALL_ENV)
    assert "Migration tool: finished" in after.stdout
    assert "stalled" not in after.stdout
