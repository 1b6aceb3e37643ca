"""The package's shape: layers that import only downwards, no circles, small modules.

Reads every module of ``cslib/`` as source (nothing is imported), counting the
imports inside functions too; only imports under ``if TYPE_CHECKING:`` are left
out. Run it as a script for the figures::

    python tests/test_layers.py
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cslib"

#: each room's rank: a module may import from lower ranks and from its own room
RANKS = {
    "": 0,  # errors, display, _args, _yamlfile, _docstrings, _lazy: shared by every layer
    "data": 1,
    "metrics": 2,
    "stats": 3,
    "analyses": 4,
    "cycle": 4,
    "stages": 5,
    "run": 6,
}
#: the modules directly in cslib/ that sit on top (they may import anything)
TOP = {"cslib", "cslib.cli", "cslib.__main__"}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80  # without the docstring
MAX_TOP_LEVEL_FILES = 12


@dataclass
class Module:
    name: str
    path: Path
    lines: int
    #: (imported module, line, names imported from it)
    imports: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)
    #: (module alias, attribute, line) for ``alias.attr`` uses of imported modules
    attributes: list[tuple[str, str, int]] = field(default_factory=list)
    functions: list[tuple[str, int]] = field(default_factory=list)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(name: str) -> str:
    """``cslib.stats.spc.draw`` → ``stats``; a module directly in cslib/ → ``""``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (PACKAGE / parts[-1]).is_dir() else ""


def code_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """A function's length without its docstring (the documentation is not the code)."""
    body = function.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return function.end_lineno - body[0].lineno + 2  # the signature's line and the body


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skip.update(id(n) for n in ast.walk(inner))
    return skip


def read_package() -> dict[str, Module]:
    paths = sorted(PACKAGE.rglob("*.py"))
    names = {module_name(p) for p in paths}
    modules: dict[str, Module] = {}
    for path in paths:
        name = module_name(path)
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        mod = Module(name, path, len(source.splitlines()))
        skip = _type_checking_blocks(tree)
        is_package = path.name == "__init__.py"
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[: len(here) - node.level + 1]
                    base = ".".join(here + ([node.module] if node.module else []))
                if base.split(".")[0] != "cslib":
                    continue
                plain = []
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    if sub in names:  # a module imported from its package
                        mod.imports.append((sub, node.lineno, ()))
                        aliases[alias.asname or alias.name] = sub
                    else:
                        plain.append(alias.name)
                if plain or not node.names:
                    mod.imports.append((base, node.lineno, tuple(plain)))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "cslib":
                        mod.imports.append((alias.name, node.lineno, ()))
                        if alias.asname:
                            aliases[alias.asname] = alias.name
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                mod.functions.append((node.name, code_lines(node)))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                mod.attributes.append((aliases[node.value.id], node.attr, node.lineno))
        modules[name] = mod
    return modules


def cycles(modules: dict[str, Module]) -> list[list[str]]:
    """The import circles: strongly connected components of more than one module."""
    graph = {
        m: {t for t, _, _ in mod.imports if t in modules and t != m} for m, mod in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def upward_imports(modules: dict[str, Module]) -> list[str]:
    """Imports of a higher layer, or of a peer room of the same rank."""
    bad = []
    for name, mod in modules.items():
        if name in TOP:
            continue
        mine = room(name)
        for target, line, _ in mod.imports:
            theirs = room(target) if target not in TOP else "top"
            if theirs == mine:
                continue
            if theirs == "top" or RANKS[theirs] >= RANKS[mine]:
                bad.append(f"{name}:{line} imports {target}")
    return bad


def private_imports(modules: dict[str, Module]) -> list[str]:
    """Private names (``_x``) taken from another module.

    Only a private module (``_shared``, ``_args``) hands private names on: it is
    where the internals its neighbours share are kept.
    """
    bad = []
    for name, mod in modules.items():
        uses = [(t, n, line) for t, line, names in mod.imports for n in names]
        uses += mod.attributes
        for target, attr, line in uses:
            private_module = target.rsplit(".", 1)[-1].startswith("_")
            if attr.startswith("_") and not attr.startswith("__") and not private_module:
                bad.append(f"{name}:{line} uses {target}.{attr}")
    return bad


def long_modules(modules: dict[str, Module]) -> list[str]:
    return [
        f"{m.path.relative_to(PACKAGE.parent)}: {m.lines} lines"
        for m in modules.values()
        if m.lines > MAX_MODULE_LINES
    ]


def long_functions(modules: dict[str, Module]) -> list[str]:
    return [
        f"{m.name}.{f}: {n} lines"
        for m in modules.values()
        for f, n in m.functions
        if n > MAX_FUNCTION_LINES
    ]


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return read_package()


def test_no_import_cycles(modules):
    assert cycles(modules) == []


def test_imports_only_go_down(modules):
    assert upward_imports(modules) == []


def test_no_private_names_across_rooms(modules):
    assert private_imports(modules) == []


def test_modules_are_small(modules):
    assert long_modules(modules) == []


def test_functions_are_short(modules):
    assert long_functions(modules) == []


def test_few_modules_directly_in_the_package():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_FILES, top


def test_the_checks_can_fail():
    """A circle, an upward import and a private import are each found."""
    fake = {
        "cslib.data.a": Module(
            "cslib.data.a", PACKAGE / "data" / "a.py", 10, [("cslib.stats.b", 1, ())]
        ),
        "cslib.stats.b": Module(
            "cslib.stats.b", PACKAGE / "stats" / "b.py", 10, [("cslib.data.a", 1, ("_q",))]
        ),
    }
    assert cycles(fake) == [["cslib.data.a", "cslib.stats.b"]]
    assert upward_imports(fake) == ["cslib.data.a:1 imports cslib.stats.b"]
    assert private_imports(fake) == ["cslib.stats.b:1 uses cslib.data.a._q"]


def main() -> None:
    modules = read_package()
    biggest = max(modules.values(), key=lambda m: m.lines)
    longest = max(
        ((m.name, f, n) for m in modules.values() for f, n in m.functions), key=lambda t: t[2]
    )
    print(f"modules: {len(modules)} ({len(list(PACKAGE.glob('*.py')))} directly in cslib/)")
    print(f"lines: {sum(m.lines for m in modules.values())}")
    print(f"longest module: {biggest.path.relative_to(PACKAGE.parent)} ({biggest.lines} lines)")
    print(f"longest function: {longest[0]}.{longest[1]} ({longest[2]} lines)")
    for title, found in (
        ("import cycles", [" ↔ ".join(c) for c in cycles(modules)]),
        ("upward imports", upward_imports(modules)),
        ("private names taken from public modules", private_imports(modules)),
        (f"modules over {MAX_MODULE_LINES} lines", long_modules(modules)),
        (f"functions over {MAX_FUNCTION_LINES} lines", long_functions(modules)),
    ):
        print(f"{title}: {len(found)}")
        for line in found:
            print(f"  {line}")


if __name__ == "__main__":
    main()
