"""The core, the runtimes and the demo must not import Textual: headless commands stay fast
and the core stays testable on its own."""

import subprocess
import sys
from pathlib import Path

HEADLESS_PACKAGES = ("ffwizard.core", "ffwizard.runtime", "ffwizard.demo", "ffwizard.cli")


def test_headless_packages_import_without_textual():
    # Import every module of the headless packages with `textual` made unimportable.
    code = r"""
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "textual" or name.startswith("textual."):
            raise ImportError(f"blocked: {name}")
        return None
sys.meta_path.insert(0, Block())
import ffwizard
names = []
for pkg_name in %r:
    pkg = importlib.import_module(pkg_name)
    names.append(pkg_name)
    if hasattr(pkg, "__path__"):
        for info in pkgutil.walk_packages(pkg.__path__, pkg_name + "."):
            importlib.import_module(info.name)
            names.append(info.name)
assert "textual" not in sys.modules
print(len(names))
""" % (HEADLESS_PACKAGES,)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 4


def test_import_linter_contract_holds():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout
