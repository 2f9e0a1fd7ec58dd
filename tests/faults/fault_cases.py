"""The bad-input table: hostile files and environments, and what ffwizard must answer.

Each Case breaks a copy of a fixture install (tests/fixtures/installs/), runs one command
in-process and expects one sentence (a fragment of it), an exit status, no traceback, no s3
secret anywhere, and not one byte changed under the install root (no `.ffwizard/`, no lock).

To add a case: one `Case(...)` in CASES. `breaks(root, tmp)` edits the install at `root` (the
answers file is `tmp / "answers.yaml"`); `argv` may use {root} and {answers}.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from install_fixtures import make_installs  # noqa: E402

COMPOSE = "docker-compose.yaml"
EXTRACTION = "configs/findface-extraction-api/findface-extraction-api.yaml"
SF_API = "configs/findface-sf-api/findface-sf-api.yaml"
SECRET = make_installs.S3_SECRET
ACCESS = make_installs.S3_ACCESS
# A second pair, planted by the cases that add credentials.
SECRET_2 = "Zq9sEcReT2-neverPrintMe-0xDEADBEEF"
ACCESS_2 = "AKIA2SECONDACCESSKEY"
SECRETS = (SECRET, ACCESS, SECRET_2, ACCESS_2)

GOOD_ANSWERS = "object_types: [face]\nmodels: {face: face/ifruit_400.gpu.fnk}\n"
OFFERED_MODELS = ["face/ifruit_320.gpu.fnk", "face/ifruit_400.gpu.fnk",
                  "pedrec/pedrec_v1.gpu.fnk", "pedrec/pedrec_v2.gpu.fnk",
                  "carrec/carrec_v1.gpu.fnk", "carrec/carrec_v2.gpu.fnk"]

PLAN = ["plan", "--root", "{root}", "--answers", "{answers}"]
PLAN_JSON = [*PLAN, "--json"]
APPLY = ["apply", "--root", "{root}", "--answers", "{answers}", "--yes"]
COMMANDS = {"plan": PLAN, "plan --json": PLAN_JSON, "apply": APPLY}


@dataclass(frozen=True)
class Case:
    name: str
    breaks: Callable[[Path, Path], None]
    argv: list[str]
    expect: str  # a fragment of the one sentence
    exit_code: int = 2
    fixture: str = "gpu8"
    answers: str | None = GOOD_ANSWERS  # None: no answers file written
    lang: str = "en"
    real_runtime: bool = False  # else a stand-in runtime that only lists models
    marks: tuple = field(default_factory=tuple)


# --- ways to break an install -----------------------------------------------------------------

def nothing(root: Path, tmp: Path) -> None:
    pass


def replace(relative: str, old: str, new: str, count: int = 1):
    def breaks(root: Path, tmp: Path) -> None:
        path = root / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, count))
    return breaks


def write(relative: str, content: str | bytes):
    def breaks(root: Path, tmp: Path) -> None:
        path = root / relative
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return breaks


def nul_in(relative: str):
    def breaks(root: Path, tmp: Path) -> None:
        path = root / relative
        data = path.read_bytes()
        cut = data.index(b"\n", len(data) // 2) + 1
        path.write_bytes(data[:cut] + b"  \0\n" + data[cut:])
    return breaks


def padded(relative: str, megabytes: int):
    """Valid YAML, padded with comment lines to `megabytes` MB."""
    def breaks(root: Path, tmp: Path) -> None:
        line = b"# " + b"x" * 97 + b"\n"
        with open(root / relative, "ab") as handle:
            handle.write(line * (megabytes * 1024 * 1024 // len(line)))
    return breaks


def remove(relative: str):
    def breaks(root: Path, tmp: Path) -> None:
        (root / relative).unlink()
    return breaks


def directory_instead(relative: str):
    def breaks(root: Path, tmp: Path) -> None:
        (root / relative).unlink()
        (root / relative).mkdir()
    return breaks


def answers_as(content: str | bytes):
    def breaks(root: Path, tmp: Path) -> None:
        path = tmp / "answers.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return breaks


def both(*steps):
    def breaks(root: Path, tmp: Path) -> None:
        for step in steps:
            step(root, tmp)
    return breaks


S3_LINE = "  s3: {endpoint: '', bucket-name: '', access-key: '', secret-access-key: '', secure: false,"
S3_FLOW = "secret-access-key: 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY', secure: false,"
DUP_SECRET = replace(SF_API, S3_FLOW, S3_FLOW.replace("secure: false,", f"secure: false, "
                                                      f"secret-access-key: '{SECRET_2}',"))
DUP_S3_BLOCK = replace(SF_API, "storage-api:", f"  s3: {{access-key: '{ACCESS_2}', "
                       f"secret-access-key: '{SECRET_2}'}}\nstorage-api:")
BLOCK_S3 = f"""\
listen: 127.0.0.1:18411
normalized-storage:
  enabled: true
  type: s3
  s3:
    endpoint: s3.example.local:9000
    access-key: {ACCESS_2}
    secret-access-key: {SECRET_2}
    secret-access-key: {SECRET}
storage-api:
  shards:
  - {{master: 'http://127.0.0.1:8101/v2/', slave: ''}}
"""
BAD_QUOTE_AFTER_SECRET = replace(SF_API, S3_FLOW, S3_FLOW + " region: 'unterminated,")


def three(name: str, breaks, expect: str, **kw) -> list[Case]:
    """The same fault through plan, plan --json and apply."""
    return [Case(f"{name} [{command}]", breaks, argv, expect, **kw)
            for command, argv in COMMANDS.items()]


CASES: list[Case] = [
    # NUL bytes: one sentence naming the file and line, not ruamel's traceback
    *three("NUL byte in the compose file", nul_in(COMPOSE), "docker-compose.yaml:"),
    *three("NUL byte in the extraction config", nul_in(EXTRACTION), "holds a NUL byte"),
    *three("NUL byte in the sf-api config", nul_in(SF_API), "sf-api config holds a NUL byte"),
    Case("NUL byte in the answers file", answers_as("object_types: [face]\n\0\n"), PLAN,
         "answers file holds a NUL byte"),
    # s3 secrets never printed, parser errors included
    *three("secret-access-key given twice", DUP_SECRET,
           "the sf-api config has the key 'secret-access-key' twice", fixture="s3"),
    *three("s3 block given twice", DUP_S3_BLOCK,
           "the sf-api config has the key 's3' twice (lines 11 and 13)", fixture="s3"),
    Case("secret-access-key twice, block style", write(SF_API, BLOCK_S3), PLAN,
         "the key 'secret-access-key' twice (lines 8 and 9)"),
    Case("bad quote after the secret", BAD_QUOTE_AFTER_SECRET, PLAN, "not valid YAML",
         fixture="s3"),
    Case("bad quote after the secret [apply]", BAD_QUOTE_AFTER_SECRET, APPLY, "not valid YAML",
         fixture="s3"),
    # huge files: refused at once
    Case("50 MB compose file", padded(COMPOSE, 50), PLAN,
         "the compose file is 50.0 MiB; FindFace files are kilobytes"),
    Case("5 MB compose file [plan --json]", padded(COMPOSE, 5), PLAN_JSON, "over 4 MiB"),
    Case("5 MB extraction config [apply]", padded(EXTRACTION, 5), APPLY,
         "extraction-api config is 5.0 MiB"),
    Case("5 MB sf-api config", padded(SF_API, 5), PLAN, "sf-api config is 5.0 MiB"),
    Case("5 MB answers file", both(answers_as(GOOD_ANSWERS), lambda root, tmp: padded(
        "answers.yaml", 5)(tmp, tmp)), APPLY, "answers file is 5.0 MiB"),
    # empty files say so
    *three("empty compose file", write(COMPOSE, ""), "the compose file is empty"),
    Case("compose file of comments only", write(COMPOSE, "# nothing here\n\n"), PLAN,
         "the compose file is empty"),
    Case("empty extraction config", write(EXTRACTION, ""), PLAN,
         "the extraction-api config is empty"),
    Case("empty extraction config [apply]", write(EXTRACTION, "\n"), APPLY,
         "the extraction-api config is empty"),
    Case("empty sf-api config", write(SF_API, ""), PLAN, "the sf-api config is empty"),
    # keys given twice
    Case("extractors given twice", replace(EXTRACTION, "gpu_device: 0",
                                           "gpu_device: 0\nextractors: {instances: 1}"), PLAN,
         "the extraction-api config has the key 'extractors' twice (lines 2 and 26)"),
    Case("extractors given twice [apply]", replace(EXTRACTION, "gpu_device: 0",
                                                   "gpu_device: 0\nextractors: {instances: 1}"),
         APPLY, "has the key 'extractors' twice"),
    Case("a shard service given twice", replace(
        COMPOSE, "  findface-tarantool-server-shard-002:",
        "  findface-tarantool-server-shard-001:\n    image: x\n"
        "  findface-tarantool-server-shard-002:"), PLAN,
         "the compose file has the key 'findface-tarantool-server-shard-001' twice"),
    Case("answers: object_types twice", answers_as(
        "object_types: [face]\nbackup_dir: /tmp/x\nobject_types: [body]\n"), PLAN,
         "the answers file has the key 'object_types' twice (lines 1 and 3)"),
    Case("answers: object_types twice [apply]", answers_as(
        "object_types: [face]\nobject_types: [body]\n"), APPLY,
         "answers file has the key 'object_types' twice"),
    Case("answers: a model given twice", answers_as(
        "object_types: [face]\nmodels:\n  face: face/ifruit_400.gpu.fnk\n"
        "  face: face/ifruit_320.gpu.fnk\n"), PLAN_JSON, "the key 'face' twice (lines 3 and 4)"),
    # misleading messages, now naming the real fault
    Case("shard name --rm", answers_as(
        "new_shards:\n" + "".join(f"- {{name: '{name}', http_port: {8111 + i}, "
                                  f"tarantool_port: {32011 + i}}}\n"
                                  for i, name in enumerate(
                                      ["--rm"] + [f"shard-{12 + i:03d}" for i in range(7)]))),
         PLAN, "new shard name '--rm' may not start with '-'"),
    Case("shard name --rm [apply]", answers_as(
        "new_shards:\n" + "".join(f"- {{name: '{name}', http_port: {8111 + i}, "
                                  f"tarantool_port: {32011 + i}}}\n"
                                  for i, name in enumerate(
                                      ["-x"] + [f"shard-{12 + i:03d}" for i in range(7)]))),
         APPLY, "new shard name '-x' may not start with '-'"),
    Case("shard name with a slash", answers_as(
        "new_shards:\n" + "".join(f"- {{name: '{name}', http_port: {8111 + i}, "
                                  f"tarantool_port: {32011 + i}}}\n"
                                  for i, name in enumerate(
                                      ["a/b"] + [f"shard-{12 + i:03d}" for i in range(7)]))),
         PLAN, "may hold only letters, digits"),
    Case("HTTP port of the licence server", answers_as(
        "new_shards:\n" + "".join(f"- {{name: 'shard-{11 + i:03d}', http_port: {port}, "
                                  f"tarantool_port: {32011 + i}}}\n"
                                  for i, port in enumerate([3133] + list(range(8112, 8119))))),
         PLAN, "HTTP port 3133 is already in use (by service findface-ntls in the compose file)"),
    Case("HTTP port of sf-api", answers_as(
        "new_shards:\n" + "".join(f"- {{name: 'shard-{11 + i:03d}', http_port: {port}, "
                                  f"tarantool_port: {32011 + i}}}\n"
                                  for i, port in enumerate([18411] + list(range(8112, 8119))))),
         APPLY, "HTTP port 18411 is already in use (by service pause"),
    Case("--runtime sim on a real installation", nothing,
         ["plan", "--root", "{root}", "--runtime", "sim"], "is not a demo sandbox",
         real_runtime=True),
    Case("--runtime sim on a real installation [apply]", nothing,
         [*APPLY, "--runtime", "sim"], "is not a demo sandbox", real_runtime=True),
    # the answers file
    Case("answers file missing", nothing, PLAN, "the answers file is missing", answers=None),
    Case("answers file is a directory", lambda root, tmp: (tmp / "answers.yaml").mkdir(),
         APPLY, "the answers file is a directory", answers=None),
    Case("answers file not UTF-8", answers_as(b"object_types: [\xff\xfe]\n"), PLAN,
         "the answers file is not UTF-8 text"),
    Case("answers file not YAML", answers_as("object_types: [face\n"), PLAN,
         "the answers file is not valid YAML"),
    Case("answers file a list", answers_as("- face\n"), APPLY, "must be a mapping"),
    Case("answers: unknown key", answers_as("object_type: [face]\n"), PLAN,
         "Did you mean 'object_types'?"),
    Case("answers: no object types", answers_as("object_types: []\n"), APPLY,
         "object_types must be a non-empty list"),
    Case("answers: clusters not a boolean", answers_as("migrate_clusters: maybe\n"), PLAN,
         "migrate_clusters must be true or false"),
    Case("answers: too few new shards", answers_as(
        "new_shards:\n- {name: shard-011, http_port: 8111, tarantool_port: 32011}\n"), PLAN,
         "new_shards lists 1 shards; the installation has 8"),
    Case("answers: port out of range", answers_as(
        "new_shards:\n- {name: shard-011, http_port: 99999, tarantool_port: 32011}\n"), APPLY,
         "http_port must be a port number from 1 to 65535"),
    Case("answers: new shard name taken", answers_as(
        "new_shards:\n" + "".join(f"- {{name: 'shard-{1 + i:03d}', http_port: {8111 + i}, "
                                  f"tarantool_port: {32011 + i}}}\n" for i in range(8))), PLAN,
         "new shard name 'shard-001' is already used"),
    Case("answers: a port given twice", answers_as(
        "new_shards:\n" + "".join(f"- {{name: 'shard-{11 + i:03d}', http_port: 8111, "
                                  f"tarantool_port: {32011 + i}}}\n" for i in range(8))), PLAN,
         "shard-012: HTTP port 8111 is given twice"),
    Case("answers: unknown model", answers_as("object_types: [face]\nmodels: {face: face/nope.gpu.fnk}\n"),
         APPLY, "is not among the models the extraction service offers"),
    # the install's files
    Case("compose file not UTF-8", write(COMPOSE, b"services: {a: \xff}\n"), PLAN,
         "the compose file is not UTF-8 text"),
    Case("compose file not YAML", replace(COMPOSE, "services:", "services: [\n"), PLAN_JSON,
         "the compose file is not valid YAML"),
    Case("compose file a list", write(COMPOSE, "- a\n- b\n"), APPLY,
         "the compose file is not a mapping"),
    Case("extraction config missing", remove(EXTRACTION), PLAN,
         "the extraction-api config is missing"),
    Case("extraction config not YAML", write(EXTRACTION, "extractors: {models: [\n"), APPLY,
         "the extraction-api config is not valid YAML"),
    Case("sf-api config a directory", directory_instead(SF_API), PLAN,
         "the sf-api config is a directory, not a file"),
    Case("no compose file", remove(COMPOSE), PLAN, "no docker-compose"),
    Case("no compose file [apply]", remove(COMPOSE), APPLY, "no docker-compose"),
    # command line
    Case("list of models missing", nothing,
         ["plan", "--root", "{root}", "--available-models", "{root}/nope.txt"],
         "cannot read the list of models"),
    Case("--runtime and --available-models", write("models.txt", "face/a.gpu.fnk\n"),
         ["plan", "--root", "{root}", "--runtime", "docker", "--available-models",
          "{root}/models.txt"], "give either --runtime or --available-models"),
    Case("resume with no run", nothing, ["resume", "--root", "{root}"],
         "there is no migration run to continue", real_runtime=True),
    Case("rollback with no run", nothing, ["rollback", "--root", "{root}"],
         "there is no migration run to roll back", real_runtime=True),
    # in Russian
    Case("NUL byte in the compose file (ru)", nul_in(COMPOSE), PLAN, "NUL", lang="ru"),
    Case("answers: a key twice (ru)", answers_as("object_types: [face]\nobject_types: [car]\n"),
         PLAN, "object_types", lang="ru"),
    Case("shard name --rm (ru)", answers_as(
        "new_shards:\n" + "".join(f"- {{name: '{name}', http_port: {8111 + i}, "
                                  f"tarantool_port: {32011 + i}}}\n"
                                  for i, name in enumerate(
                                      ["--rm"] + [f"shard-{12 + i:03d}" for i in range(7)]))),
         PLAN, "'-'", lang="ru"),
    Case("empty compose file (ru)", write(COMPOSE, ""), APPLY, "пуст", lang="ru"),
    Case("50 MB compose file (ru)", padded(COMPOSE, 5), PLAN, "МиБ", lang="ru"),
]
