#!/usr/bin/env python3
"""Build `dist/ffwizard.pyz`: ffwizard and its dependencies in one file for hosts with no internet.

The file is a stdlib zipapp: the host's own `python3` (3.10 or newer) imports everything straight
from the zip, so nothing is unpacked and the file may sit on read-only media. A zip cannot load
compiled extensions, so the bundle carries none: PyYAML, ruamel.yaml and charset-normalizer run
on their pure-Python code, which is the same for every CPython and every Linux.

Dependencies are resolved for the oldest supported Python (their `Requires-Python`), and the
backports newer Pythons do without (e.g. `exceptiongroup` below 3.11) are added by reading every
bundled package's environment markers for each supported version.

Run it where pip reaches the package index (or a local wheel mirror):

    .venv/bin/python scripts/build-bundle.py [-o dist/ffwizard.pyz]
"""

from __future__ import annotations

import argparse
import email.parser
import py_compile
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipapp
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip always carries its own copy
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OLDEST_PYTHON = (3, 10)
NEWEST_PYTHON = (3, 14)
COMPILED_SUFFIXES = (".so", ".pyd", ".dylib")
# Optional speed-ups whose pure fallback the packages ship: without their compiled part they are
# dead weight.
COMPILED_ONLY_DISTRIBUTIONS = ("ruamel.yaml.clib",)

# Runs first in the bundle. Kept to syntax any python3 parses, so that an old one says why it
# cannot go on instead of failing on a syntax error deep inside.
MAIN_PY = '''\
import sys

if sys.version_info < {oldest}:
    sys.stderr.write(
        "ffwizard: this bundle needs Python {oldest_text} or newer; this host's python3 is %s.\\n"
        "  Install a newer python3 (e.g. python3.11) and run: python3.11 %s ...\\n"
        % (sys.version.split()[0], sys.argv[0])
    )
    sys.exit(2)

from ffwizard.cli import run

run()
'''


def run(argv: list[str]) -> None:
    """Run a build step quietly; show its output only when it fails."""
    print("+", shlex.join(argv), flush=True)
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise subprocess.CalledProcessError(done.returncode, argv)


def pip_install_target(target: Path, requirements: list[str], *, no_deps: bool = False) -> None:
    """Install wheels into `target`, resolved for the oldest supported Python.

    `--python-version` makes pip honour each release's Requires-Python for that version; the
    platform and ABI options only let pip accept the binary wheels of packages that publish no
    pure one (PyYAML): their compiled parts are removed afterwards.
    """
    py = f"{OLDEST_PYTHON[0]}{OLDEST_PYTHON[1]}"
    argv = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-compile",
        "--target", str(target),
        "--only-binary=:all:",
        "--python-version", f"{OLDEST_PYTHON[0]}.{OLDEST_PYTHON[1]}",
        "--implementation", "cp", "--abi", f"cp{py}", "--abi", "abi3", "--abi", "none",
        "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_17_x86_64",
        "--platform", "any",
    ]
    if no_deps:
        argv.append("--no-deps")
    run(argv + requirements)


def installed_distributions(site: Path) -> dict[str, email.message.Message]:
    parser = email.parser.HeaderParser()
    found = {}
    for metadata in site.glob("*.dist-info/METADATA"):
        message = parser.parsestr(metadata.read_text(encoding="utf-8"))
        found[canonicalize_name(message["Name"])] = message
    return found


def missing_for_other_pythons(site: Path) -> list[str]:
    """Requirements some supported Python needs that the resolver skipped for the building one."""
    distributions = installed_distributions(site)
    missing: dict[str, str] = {}
    for minor in range(OLDEST_PYTHON[1], NEWEST_PYTHON[1] + 1):
        environment = default_environment()
        environment.update(
            python_version=f"3.{minor}", python_full_version=f"3.{minor}.0",
            implementation_name="cpython", platform_python_implementation="CPython",
            sys_platform="linux", platform_system="Linux", os_name="posix",
        )
        for message in distributions.values():
            for line in message.get_all("Requires-Dist") or []:
                requirement = Requirement(line)
                name = canonicalize_name(requirement.name)
                if name in distributions or name in missing:
                    continue
                if name in map(canonicalize_name, COMPILED_ONLY_DISTRIBUTIONS):
                    continue
                if requirement.marker and not requirement.marker.evaluate({**environment, "extra": ""}):
                    continue
                missing[name] = str(requirement).split(";")[0]
    return sorted(missing.values())


def strip_compiled(site: Path) -> list[str]:
    """Remove compiled extensions, console scripts and caches; return what went."""
    removed = []
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.name.endswith(COMPILED_SUFFIXES):
            removed.append(str(path.relative_to(site)))
            path.unlink()
    for name in COMPILED_ONLY_DISTRIBUTIONS:
        for info in site.glob(f"{name.replace('.', '_')}-*.dist-info"):
            removed.append(info.name)
            shutil.rmtree(info)
    for junk in [site / "bin", *site.rglob("__pycache__")]:
        if junk.exists():
            shutil.rmtree(junk)
    return removed


def add_bytecode(site: Path) -> int:
    """Compile every module, for the building Python, beside its source (`mod.pyc`).

    zipimport never writes bytecode, so without it every start compiles all it imports (the
    wizard opens in ~2.8 s instead of ~1 s). zipimport reads `mod.pyc` next to `mod.py`; on a
    Python of another version the magic number differs and it compiles the source instead.
    """
    count = 0
    for source in site.rglob("*.py"):
        try:
            py_compile.compile(str(source), cfile=str(source) + "c", doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            count += 1
        except py_compile.PyCompileError:
            pass  # e.g. a module only for another Python version: it keeps its source
    return count


def build(output: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="ffwizard-bundle-") as tmp:
        tmp_path = Path(tmp)
        wheels = tmp_path / "wheels"
        site = tmp_path / "site"
        # Built from a clean copy: setuptools' in-tree build/ keeps files deleted since.
        source = tmp_path / "source"
        for name in ("pyproject.toml", "README.md"):
            source.mkdir(exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, source / name)
        shutil.copytree(PROJECT_ROOT / "ffwizard", source / "ffwizard",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".lock"))
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
             "--wheel-dir", str(wheels), str(source)])
        (project_wheel,) = wheels.glob("ffwizard-*.whl")
        pip_install_target(site, [str(project_wheel)])
        # Backports are installed one round at a time: they may have backports of their own.
        for _round in range(5):
            missing = missing_for_other_pythons(site)
            if not missing:
                break
            extra_site = tmp_path / f"extra-{_round}"
            pip_install_target(extra_site, missing, no_deps=True)
            for entry in extra_site.iterdir():
                if not (site / entry.name).exists():
                    shutil.move(str(entry), str(site / entry.name))
        removed = strip_compiled(site)
        print("left out (compiled):", ", ".join(removed) or "nothing")
        compiled = add_bytecode(site)
        print(f"bytecode for Python {sys.version_info[0]}.{sys.version_info[1]}: {compiled} modules")
        (site / "__main__.py").write_text(
            MAIN_PY.format(oldest=OLDEST_PYTHON, oldest_text="%d.%d" % OLDEST_PYTHON),
            encoding="utf-8",
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        zipapp.create_archive(site, partial, interpreter="/usr/bin/env python3", compressed=True)
        partial.replace(output)
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=PROJECT_ROOT / "dist" / "ffwizard.pyz",
                        help="where to write the bundle (default: dist/ffwizard.pyz)")
    args = parser.parse_args()
    try:
        output = build(args.output.resolve())
    except subprocess.CalledProcessError as err:
        print(f"build-bundle: pip failed (exit {err.returncode}); see its messages above.",
              file=sys.stderr)
        return 1
    size_mib = output.stat().st_size / (1 << 20)
    print(f"built {output} ({size_mib:.1f} MiB); run it with: python3 {output.name} --help")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
