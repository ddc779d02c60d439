"""The package's rooms hold: each subpackage imports only what its docstring's "May import:" line
names, no module takes part in an import circle, every module is named by its subpackage's
"Owns:" line, and no module or function outgrows a reader (450 and 60 lines).

The docstrings are the contract, so the architecture is written once, where a reader looks first.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "deckgen"
SHARED = "shared"  # the modules at the package's top: errors, paths, ids, names, output
ENTRY_POINTS = {"deckgen.__main__"}  # `python -m deckgen` runs the CLI: it stands above every room
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _room(module: str) -> str:
    parts = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and is_package) else SHARED


def _imports(module: str) -> set[str]:
    """The deckgen modules `module` imports, anywhere in it (also inside functions and TYPE_CHECKING)."""
    found: set[str] = set()
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in MODULES and name != module}


def _may_import(room: str) -> set[str]:
    docstring = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text(encoding="utf-8"))) or ""
    line = re.search(r"^May import: (.*?)\.$", docstring, re.MULTILINE | re.DOTALL)
    assert line, f"deckgen/{room}/__init__.py: its docstring needs a 'May import: ...' line"
    allowed = {SHARED} if "shared modules" in line.group(1) else set()
    return allowed | set(re.findall(r"\b([a-z]+)/", line.group(1)))


ROOMS = sorted({_room(module) for module in MODULES} - {SHARED})


def test_the_package_has_rooms():
    """Without this the tests below could pass on a flat package."""
    assert {"text", "source", "render", "release", "apkg", "cli"} <= set(ROOMS)
    assert len([module for module in MODULES if _room(module) == SHARED]) <= 8


@pytest.mark.parametrize("room", ROOMS)
def test_a_room_imports_only_what_its_docstring_allows(room):
    allowed = _may_import(room) | {room}
    wrong = [f"{module} imports {target}" for module in MODULES if _room(module) == room
             for target in sorted(_imports(module)) if _room(target) not in allowed]
    assert not wrong, f"deckgen/{room}/ may import only {sorted(allowed)}: " + "; ".join(wrong)


def test_the_shared_modules_import_only_each_other():
    wrong = [f"{module} imports {target}" for module in MODULES
             if _room(module) == SHARED and module not in ENTRY_POINTS
             for target in sorted(_imports(module)) if _room(target) != SHARED]
    assert not wrong


def test_the_rooms_are_floors():
    """What each room may import is a strict order: no room may import one that may import it."""
    for room in ROOMS:
        for other in _may_import(room) - {SHARED}:
            assert room not in _may_import(other), f"{room}/ and {other}/ may import each other"


def test_no_import_circle():
    graph = {module: _imports(module) for module in MODULES}
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                circle = path[path.index(target):] + [target] if target in path else [module, target]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


@pytest.mark.parametrize("room", ROOMS)
def test_a_room_names_what_it_owns(room):
    docstring = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text(encoding="utf-8"))) or ""
    owns = re.search(r"^Owns: (.*?)(?:\n\n|\Z)", docstring, re.MULTILINE | re.DOTALL)
    assert owns, f"deckgen/{room}/__init__.py: its docstring needs an 'Owns: ...' paragraph"
    files = sorted(path.name for path in (PACKAGE / room).glob("*.py") if path.name != "__init__.py")
    assert [name for name in files if name not in owns.group(1)] == []


def test_no_module_or_function_outgrows_a_reader():
    too_long = []
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{module}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{module}.{node.name}: {length} lines")
    assert not too_long, f"over {MAX_MODULE_LINES} lines a module or {MAX_FUNCTION_LINES} a function: {too_long}"


def test_every_module_says_what_it_is_for():
    assert [module for module, path in MODULES.items()
            if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))] == []
