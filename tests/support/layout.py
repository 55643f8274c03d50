"""The services' import graph read from the source with the stdlib `ast`, for the layout tests
(`tests/test_layout.py` and each service's own): the service modules, what each imports (imports
under `if TYPE_CHECKING:` left out: they do not run), the import cycles in a graph, and the feature
rule every service keeps (`feature_crossings`): a module of feature X imports from another feature Y
only `Y.parts`, `Y.tables` or anything of the service's base-layer feature, if it has one."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in SERVICES.rglob("*.py")
        if "migrations" not in path.relative_to(SERVICES).parts
    }


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imported_names(module: str, path: Path) -> set[str]:
    """Every `services.…` name the module imports, resolved (relative imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        names.add(base)
        names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "services" or name.startswith("services.")}


def import_graph() -> dict[str, set[str]]:
    """Module → the project's modules it imports (a name that is not a module is cut to its module)."""
    modules = source_modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        for name in imported_names(module, path):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


OFFERED_ROOMS = frozenset({"parts", "tables"})


def feature_of(module: str, service: str) -> str | None:
    """The feature package of `service` a module belongs to; None outside it and for the root modules
    (`main.py`, `config.py`, `metadata.py`: single modules, not packages, right under the service)."""
    if not module.startswith(service + "."):
        return None
    rest = module[len(service) + 1 :].split(".")
    if len(rest) == 1:
        path = source_modules().get(module)
        if path is None or path.name != "__init__.py":
            return None
    return rest[0]


def feature_crossings(graph: dict[str, set[str]], service: str, base: str | None = None) -> list[str]:
    """Each import from one feature of `service` into another that is neither that feature's `parts`
    or `tables` (the module itself, nothing below it) nor the base-layer feature `base`."""
    found = []
    for module, targets in graph.items():
        feature = feature_of(module, service)
        if feature is None:
            continue
        for target in targets:
            other = feature_of(target, service)
            if other is None or other in {feature, base}:
                continue
            room = target[len(f"{service}.{other}") + 1 :].split(".")
            if len(room) != 1 or room[0] not in OFFERED_ROOMS:
                found.append(f"{module} imports {target}")
    return sorted(found)
