"""Directory's feature packages depend on each other in one direction only, read with the stdlib
`ast`: membership at the bottom (what it needs of organisations is declared in membership/parts.py),
organisations on membership, the ways in, movement and support on both, none on each other; what a
feature needs of another's store is a Protocol in its own parts.py, so no feature imports another's
store (`main` hands the stores in); no module imports `main`, and no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "services" / "directory"
ALLOWED = {
    "membership": set(),
    "organisations": {"membership"},
    "joining": {"membership", "organisations"},
    "movement": {"membership", "organisations"},
    "support": {"membership", "organisations"},
}


def _modules() -> dict[str, set[str]]:
    """Each directory module (dotted) with the directory modules it imports."""
    names = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
    }
    imports: dict[str, set[str]] = {}
    for name, path in names.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("services.directory"):
                module = str(node.module)
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
        imports[name] = found & set(names)
    return imports


def _feature(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 3 else None


def test_features_depend_on_each_other_in_one_direction() -> None:
    modules = _modules()
    assert {_feature(m) for m in modules} - {None} == set(ALLOWED)
    wrong = [
        (module, imported)
        for module, imported_set in modules.items()
        for imported in imported_set
        if (feature := _feature(module)) is not None
        and (other := _feature(imported)) not in (None, feature)
        and other not in ALLOWED[feature]
    ]
    assert wrong == []
    assert [m for m, imported in modules.items() if "services.directory.main" in imported] == []


def test_no_feature_imports_another_features_store() -> None:
    reaching = [
        (module, imported)
        for module, imported_set in _modules().items()
        for imported in imported_set
        if imported.endswith(".store")
        and _feature(module) is not None
        and _feature(imported) != _feature(module)
    ]
    assert reaching == []


def test_no_import_cycle_among_directory_modules() -> None:
    modules = _modules()
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for imported in sorted(modules[module]):
            assert state.get(imported) != 1, " -> ".join([*path, imported])
            if imported not in state:
                visit(imported, [*path, imported])
        state[module] = 2

    for module in sorted(modules):
        if module not in state:
            visit(module, [module])
