"""The layering rules of the design notes, read from the package's own imports.

Pure code decides and one module does I/O: the pure core never imports the transport, the
engine, the session or the CLI; the models import nothing above them; the emulator speaks JSON
of its own making and imports nothing from the client side; there are no import cycles; and a
module reads in one sitting.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "realtimekit_async"

#: Pure modules: no I/O, so every rule in them is testable with plain values.
PURE_CORE = frozenset(
    {
        "_config",
        "_converter",
        "_errors",
        "_json",
        "_lifecycle",
        "_models",
        "_pagination",
        "_protocol",
        "_requests",
        "_redaction",
        "_retry",
        "_timestamps",
        "_version",
    }
)
#: What the pure core must never reach for.
IMPURE = ("_transport", "_engine", "_session", "_download", "_cli", "_demo", "testing", "_emulator")
#: The client side, which the emulator must not import (a codec bug would hide by being mirrored).
#: "A module reads in one sitting": about 400 lines, with a little room.
MAX_LINES = 450
CLIENT_SIDE = (
    "_models",
    "_converter",
    "_protocol",
    "_requests",
    "_session",
    "_engine",
    "_transport",
    "_pagination",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> Iterator[str]:
    """Package-local module names that one ``from ... import ...`` statement reaches."""
    if node.level:
        base = module.split(".")
        # A package's __init__ is its own base; a module's base is its package.
        is_package = MODULES[module].name == "__init__.py"
        anchor = base if is_package else base[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
        target = ".".join([*anchor, *(node.module.split(".") if node.module else [])])
    elif node.module and node.module.startswith("realtimekit_async"):
        target = node.module.removeprefix("realtimekit_async").lstrip(".")
    else:
        return
    for alias in node.names:
        candidate = f"{target}.{alias.name}" if target else alias.name
        yield candidate if candidate in MODULES else target


def imports_of(module: str, *, top_level_only: bool) -> set[str]:
    """The package modules *module* imports (all, or only those run at import time)."""
    tree = ast.parse(MODULES[module].read_text())
    found: set[str] = set()
    nodes = _top_level(tree.body) if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            found.update(_resolve(module, node))
        elif isinstance(node, ast.Import):
            found.update(
                a.name.removeprefix("realtimekit_async.")
                for a in node.names
                if a.name.startswith("realtimekit_async.")
            )
    found.discard("")
    return found - {module}


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at import time: TYPE_CHECKING blocks and function bodies excluded."""
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _top_level(node.orelse)
        elif isinstance(node, ast.If | ast.Try):
            yield from _top_level(node.body)
            yield from _top_level(getattr(node, "orelse", []))
        else:
            yield node


def _first_part(name: str) -> str:
    return name.split(".", maxsplit=1)[0]


@pytest.mark.parametrize("module", sorted(PURE_CORE))
def test_pure_core_never_imports_io(module: str) -> None:
    """The pure core reaches for no transport, engine, session, download or CLI code."""
    bad = {m for m in imports_of(module, top_level_only=False) if m.startswith(IMPURE)}
    assert bad == set()


def test_models_import_nothing_above_them() -> None:
    """The models are the bottom layer: only the redaction leaf sits below them."""
    assert imports_of("_models", top_level_only=False) <= {"_redaction"}


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if m == "testing" or m.startswith("_emulator"))
)
def test_emulator_imports_no_client_code(module: str) -> None:
    """The emulator makes its own JSON: it imports nothing from the client side."""
    bad = {m for m in imports_of(module, top_level_only=False) if _first_part(m) in CLIENT_SIDE}
    assert bad == set()


def test_no_import_cycles() -> None:
    """Imports at import time form no cycle (lazy imports inside functions are allowed)."""
    graph = {m: imports_of(m, top_level_only=True) & MODULES.keys() for m in MODULES}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_read_in_one_sitting(module: str) -> None:
    """No module grows past a few hundred lines."""
    assert len(MODULES[module].read_text().splitlines()) <= MAX_LINES


def test_the_rules_see_real_imports() -> None:
    """The reader finds relative, absolute and lazy imports (so the rules above can fail)."""
    assert "_engine" in imports_of("_session", top_level_only=True)
    assert "_converter" in imports_of("_protocol", top_level_only=False)
    assert "_converter" not in imports_of("_protocol", top_level_only=True)
    assert "_emulator._state" in imports_of("_emulator._fake", top_level_only=True)
