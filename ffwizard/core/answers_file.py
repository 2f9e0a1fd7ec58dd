"""Writing an answers file: what the wizard (or `plan --save-answers`) chose, in the form
`apply --answers` and `plan --answers` read, so that a rehearsal becomes a headless run.

Nothing is lost: a file already there with other content is kept beside it (`FILE.bak`)."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import yaml

from ffwizard.core.answers import Answers
from ffwizard.core.atomic import atomic_write_text, read_text_or_none
from ffwizard.core.errors import UserError
from ffwizard.i18n import _


def answers_text(answers: Answers, *, root: Path, path: Path) -> str:
    """The answers as YAML, headed by how to use them (`path`: where they are saved). `root` is
    the install root they are for (paths under it are written relative to it, as the answers
    file reads them)."""
    data = answers.to_dict()
    backup = Path(str(data["backup_dir"]))
    if backup.is_relative_to(root):
        data["backup_dir"] = str(backup.relative_to(root))
    heading = "\n".join([
        "# " + _("ffwizard answers for {root}").format(root=root),
        "# " + _("Check the plan with: {command}").format(
            command=shlex.join(["ffwizard", "plan", "--root", str(root), "--answers", str(path)])),
        "# " + _("Run it with: {command}").format(
            command=shlex.join(["ffwizard", "apply", "--root", str(root), "--answers",
                                str(path)])),
    ])
    body: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return heading + "\n" + body


def save_answers(path: Path, answers: Answers, *, root: Path) -> Path | None:
    """Write the answers file at `path` (through a symlink to its target). Returns the backup
    of a different file it replaced, if any. Raises UserError with the reason it cannot."""
    target = Path(path).expanduser().resolve()
    text = answers_text(answers, root=root, path=target)
    if target.is_dir():
        raise UserError(_("{path} is a directory: give a file name for the answers.").format(
            path=target))
    if not target.parent.is_dir():
        raise UserError(_("there is no directory {path} to save the answers in.").format(
            path=target.parent))
    backup: Path | None = None
    try:
        old = read_text_or_none(target)
        if old is not None and old != text:
            backup = target.with_name(target.name + ".bak")
            shutil.copy2(target, backup)
        atomic_write_text(target, text)
    except OSError as err:
        raise UserError(_("cannot save the answers in {path}: {error}.").format(
            path=target, error=err.strerror or err)) from None
    return backup
