"""The message catalogs: every message the code marks is translated into Russian, with the same
placeholders; the compiled catalog the program reads is the one built from the .po; and no
user-facing text slipped past the markers."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ffwizard"


def _load_i18n_script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["i18n_script"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tool():
    return _load_i18n_script()


@pytest.fixture(scope="module")
def template(tool):
    return tool.extract()


def test_code_marks_messages(template):
    assert len(template) > 300


def test_russian_catalog_has_every_message(tool, template):
    catalog = tool.read_catalog(tool.po_path("ru"), "ru")
    problems = tool.problems(template, catalog)
    assert problems == [], ("the Russian catalog misses or garbles messages "
                            "(scripts/i18n.py update, then translate):\n" + "\n".join(problems))


def test_program_reads_the_catalog_built_from_the_po(tool):
    """Every message, context and plural form the program reads from the .mo is the .po's
    (whichever Babel version compiled it: its version line is not compared)."""
    catalog = tool.read_catalog(tool.po_path("ru"), "ru")
    differences = tool.mo_differences(tool.mo_path("ru").read_bytes(), catalog)
    assert differences == [], ("ffwizard.mo is stale: run scripts/i18n.py update\n"
                               + "\n".join(differences[:20]))
    assert len(tool.expected_messages(catalog)) > 300


def test_the_compiled_catalog_check_fails_on_a_stale_mo(tool):
    """The check itself can fail: a changed translation, a plural form, a message added to or
    removed from the .po since the .mo was compiled, or another plural rule."""
    catalog = tool.read_catalog(tool.po_path("ru"), "ru")
    mo = tool.compile_mo(catalog)
    assert tool.mo_differences(mo, catalog) == []

    changed = tool.read_catalog(tool.po_path("ru"), "ru")
    simple = next(m for m in changed if m.id and isinstance(m.id, str) and not m.context)
    simple.string = "Другой перевод"
    assert any("differs" in d and simple.id in d for d in tool.mo_differences(mo, changed))

    in_context = next(m for m in changed if m.id and m.context)
    in_context.string = "Другой перевод в контексте"
    assert any(f"{in_context.context}\\x04" in d for d in tool.mo_differences(mo, changed))

    plural = next(m for m in changed if isinstance(m.id, (tuple, list)))
    plural.string = (*plural.string[:2], "иначе")
    assert any(f"{plural.id[0]!r}, 2)" in d for d in tool.mo_differences(mo, changed))

    grown = tool.read_catalog(tool.po_path("ru"), "ru")
    grown.add("A message added after compiling", "Добавлено после компиляции")
    assert any("missing from the .mo" in d for d in tool.mo_differences(mo, grown))

    shrunk = tool.read_catalog(tool.po_path("ru"), "ru")
    shrunk.delete(simple.id)
    assert any("not in the .po" in d for d in tool.mo_differences(mo, shrunk))

    other_rule = tool.read_catalog(tool.po_path("ru"), "ru")
    other_rule.locale = "en"  # two plural forms instead of three
    assert any("header differs" in d for d in tool.mo_differences(mo, other_rule))


def test_the_compiler_version_line_is_not_compared(tool):
    import babel

    catalog = tool.read_catalog(tool.po_path("ru"), "ru")
    mo = tool.compile_mo(catalog)
    version = babel.__version__.encode()
    same_length = bytes(ord("9") if chr(c).isdigit() else c for c in version)  # offsets stay valid
    other = mo.replace(b"Generated-By: Babel " + version, b"Generated-By: Babel " + same_length)
    assert other != mo
    assert tool.mo_differences(other, catalog) == []


def test_check_fails_on_a_missing_message(tool, template):
    """The check itself can fail: a message the catalog lacks, a lost placeholder, a stale one."""
    from babel.messages.catalog import Catalog

    catalog = tool.read_catalog(tool.po_path("ru"), "ru")
    grown = Catalog(locale="ru")
    for message in template:
        if message.id:
            grown.add(message.id, None, message.locations)
    grown.add("A message nobody translated", None, [("ffwizard/x.py", 1)])
    assert any("A message nobody translated" in p for p in tool.problems(grown, catalog))

    broken = tool.read_catalog(tool.po_path("ru"), "ru")
    with_placeholder = next(m for m in broken if m.id and isinstance(m.id, str) and "{" in m.id)
    with_placeholder.string = "без подстановок"
    assert any("placeholders differ" in p for p in tool.problems(template, broken))

    stale = tool.read_catalog(tool.po_path("ru"), "ru")
    stale.add("Gone from the code", "Удалено из кода")
    assert any("no longer in the code" in p for p in tool.problems(template, stale))


def test_russian_catalog_is_russian(tool):
    """Not English copied into msgstr: most translations contain Cyrillic."""
    catalog = tool.read_catalog(tool.po_path("ru"), "ru")
    strings = [m.string if isinstance(m.string, str) else m.string[0] for m in catalog if m.id]
    cyrillic = [s for s in strings if any("а" <= ch.lower() <= "я" or ch in "ёЁ" for ch in s)]
    assert len(cyrillic) >= 0.9 * len(strings)


# --- text that escaped the markers ---------------------------------------------------------

# Calls whose text reaches the user, and the keyword arguments that carry text.
USER_TEXT_CALLS = {"Static", "Label", "Button", "say", "notify", "UserError", "StepFailed",
                   "RuntimeUnavailable", "Problem", "Choice", "HelpScreen", "print",
                   "add_parser", "add_argument", "ArgumentParser", "Binding", "Event"}
USER_TEXT_KEYWORDS = {"help", "description", "epilog", "message", "hint", "title", "tooltip",
                      "placeholder", "label"}
# Programs that imitate the vendor's English tools and services, and development scripts.
NOT_USER_FACING = {"demo/migrate_tool.py", "demo/dump_tool.py", "demo/cluster_tool.py",
                   "demo/extraction_server.py", "demo/sfapi_server.py", "demo/shard_server.py",
                   "demo/upload_server.py", "demo/idle_service.py", "demo/container_exec.py",
                   "demo/httpkit.py", "demo/goflags.py"}


def _has_words(text: str) -> bool:
    words = [w for w in text.replace("\n", " ").split() if sum(ch.isalpha() for ch in w) >= 3]
    return len(words) >= 2


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return (_literal_text(node.left) or "") + " " + (_literal_text(node.right) or "")
    return None


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def untranslated_texts() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in NOT_USER_FACING:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = _call_name(call)
            if name not in USER_TEXT_CALLS:
                continue
            # Binding("f1", "help", "Help"): the description is the third argument.
            args = call.args[2:3] if name == "Binding" else call.args[:1]
            args += [k.value for k in call.keywords if k.arg in USER_TEXT_KEYWORDS]
            for arg in args:
                text = _literal_text(arg)
                if text is not None and _has_words(text):
                    found.append(f"ffwizard/{relative}:{arg.lineno}: {text[:60]!r}")
    return found


def test_no_user_text_escapes_the_catalog():
    leftovers = untranslated_texts()
    assert leftovers == [], "user-facing text not marked for translation:\n" + "\n".join(leftovers)


def test_no_formatted_string_inside_a_marker():
    """`_(f"...")` cannot be looked up: the catalog holds the text before substitution."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            if _call_name(call) in {"_", "N_", "ngettext", "pgettext", "NP_"} and any(
                    isinstance(a, (ast.JoinedStr, ast.BinOp)) for a in call.args):
                found.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert found == []


def test_the_translation_function_is_never_shadowed():
    """`for _ in ...` or `_, x = ...` in a module that translates with `_` would make `_` a
    local name: a message shown later in that function would then fail."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_it = any(isinstance(n, ast.ImportFrom) and n.module == "ffwizard.i18n"
                         and any(a.name == "_" for a in n.names) for n in ast.walk(tree))
        if not imports_it:
            continue
        # A comprehension's own variables stay inside it; anything else binds the function's.
        in_comprehensions = {id(n) for c in ast.walk(tree) if isinstance(c, ast.comprehension)
                             for n in ast.walk(c.target)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)
                    and id(node) not in in_comprehensions):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
