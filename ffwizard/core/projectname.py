"""The compose project of an installation: the one its running containers say they belong to.

Detection (read-only, no Docker) guesses the name from the files: `COMPOSE_PROJECT_NAME` in
`.env`, the compose file's `name:`, else the directory's name. Sites rename projects (`oe`) and
directories, and a guess that is wrong is dangerous: `compose -p <guess> up` starts a second copy
of the whole stack beside the running one. So once the runtime is open, the containers' labels
(`com.docker.compose.project.working_dir` / `.config_files` naming this root) decide; the files
are only the fallback when no container runs, and when the files name a project explicitly and
the labels another, ffwizard refuses rather than pick one.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ffwizard.core.compose import normalize_project_name, read_dotenv
from ffwizard.core.errors import UserError
from ffwizard.i18n import _


def named_project(compose_file: Path) -> tuple[str, str] | None:
    """(project, where it is written) when the files name the project explicitly."""
    env_file = compose_file.parent / ".env"
    named = read_dotenv(env_file).get("COMPOSE_PROJECT_NAME")
    if named and normalize_project_name(named):
        return normalize_project_name(named), str(env_file)
    try:
        document = yaml.safe_load(compose_file.read_text(encoding="utf-8", errors="replace"))
    except (OSError, yaml.YAMLError):
        return None
    name = document.get("name") if isinstance(document, dict) else None
    if isinstance(name, str) and normalize_project_name(name):
        return normalize_project_name(name), str(compose_file)
    return None


def project_in_use(root: Path, compose_file: Path, guessed: str, labelled: list[str]) -> str:
    """The project to use: the labels' one; `guessed` when no container runs. Raises UserError
    (one sentence) when the labels and the files disagree or several projects claim the root."""
    if not labelled:
        return guessed
    named = named_project(compose_file)
    if len(labelled) > 1:
        if named and named[0] in labelled:
            return named[0]
        raise UserError(_(
            "containers of {count} compose projects ({projects}) say they were started from "
            "{root}: ffwizard cannot tell which one is this installation; stop the others, or "
            "name the project in .env (COMPOSE_PROJECT_NAME), and try again.").format(
                count=len(labelled), projects=", ".join(labelled), root=root))
    project = labelled[0]
    if named and named[0] != project:
        raise UserError(_(
            "the running containers of {root} belong to the compose project '{labelled}', but "
            "{where} names the project '{named}': a compose command with that name would start "
            "a second copy of the installation. Make them agree (COMPOSE_PROJECT_NAME={labelled} "
            "in .env) and try again.").format(root=root, labelled=project, where=named[1],
                                             named=named[0]))
    return project
