"""The bad-input table (fault_cases.CASES), each case in-process: one sentence, its exit status,
no traceback, no secret, and not one byte changed under the install root."""

from __future__ import annotations

import pytest
from fault_cases import CASES, SECRETS, Case
from fault_helpers import copy_install, tree_fingerprint

from ffwizard.cli import main

# What plan proposes for a fixture installation, on a host where those ports are free.
pytestmark = pytest.mark.usefixtures("host_ports_free")

TRACEBACK_SIGNS = ("Traceback", 'File "')


def run_case(case: Case, tmp_path, capsys) -> tuple[int, str, dict, dict]:
    root = copy_install(case.fixture, tmp_path / "install")
    answers = tmp_path / "answers.yaml"
    if case.answers is not None:
        answers.write_text(case.answers)
    case.breaks(root, tmp_path)
    before = tree_fingerprint(root)
    argv = [part.format(root=root, answers=answers) for part in case.argv]
    capsys.readouterr()
    code = main([*argv, "--lang", case.lang])
    out, err = capsys.readouterr()
    return code, out + err, before, tree_fingerprint(root)


def check_output(output: str) -> None:
    for sign in TRACEBACK_SIGNS:
        assert sign not in output, output[-3000:]
    for secret in SECRETS:
        assert secret not in output, f"secret {secret!r} printed"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_in_one_sentence(case, tmp_path, capsys, request):
    if not case.real_runtime:
        request.getfixturevalue("models_only_runtime")
    code, output, before, after = run_case(case, tmp_path, capsys)
    check_output(output)
    assert case.expect in output, output[-3000:]
    assert code == case.exit_code, output[-3000:]
    assert after == before, "the install tree changed"
    assert ".ffwizard" not in after


def test_the_table_is_large_enough():
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)
