"""The tests' own layout, read from the source with the stdlib `ast` (issue 12): what one test folder
shares with another lives in `tests.support`. A test module may import, of the tests, only
`tests.support` and the helper modules of its own top-level folder (`tests/<folder>/...`) — never a
`test_*.py` module, never a `conftest` (pytest loads those; importing them runs them twice), never
another folder's helpers."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_path(name: str) -> Path | None:
    """The file of module `name` under the repository, if it is one."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every module of the tests that `path` imports, a `from package import module`
    counted as the module."""
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "tests" or alias.name.startswith("tests."):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module != "tests" and not module.startswith("tests."):
                continue
            for alias in node.names:
                if module_path(f"{module}.{alias.name}") is not None:
                    yield node.lineno, f"{module}.{alias.name}"
                else:
                    yield node.lineno, module


def refusal(importer: Path, module: str) -> str | None:
    """Why `importer` may not import `module`, or None if it may."""
    target = module_path(module)
    if target is None:
        return "not a module of the tests"
    if target.name == "conftest.py":
        return "a conftest (fixtures reach tests through pytest, helpers through tests.support)"
    if target.name.startswith("test_"):
        return "a test module (move what is shared to tests.support or a helper module)"
    if module == "tests.support" or module.startswith("tests.support."):
        return None
    folder = importer.relative_to(TESTS).parts[0] if len(importer.relative_to(TESTS).parts) > 1 else ""
    if not folder or module.split(".")[1] != folder:
        return f"another test folder's helper (only tests.support and tests/{folder or '?'}/ may be used)"
    return None


def refusals(files: list[Path]) -> list[str]:
    found = []
    for path in files:
        for line, module in sorted(set(imported_modules(path))):
            if (why := refusal(path, module)) is not None:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}: {why}")
    return found


def test_tests_share_helpers_only_through_tests_support_or_their_own_folder() -> None:
    assert refusals(sorted(TESTS.rglob("*.py"))) == []


def test_the_check_refuses_what_issue_12_found() -> None:
    """The check itself: a test module, a conftest and another folder's helpers are refused."""
    here = TESTS / "gateway" / "live" / "test_membership.py"
    assert refusal(here, "tests.gateway.live.test_live") is not None
    assert refusal(here, "tests.conftest") is not None
    assert refusal(here, "tests.web.browser") is not None
    assert refusal(here, "tests.directory.joining_helpers") is not None
    assert refusal(here, "tests.support.live") is None
    parents = TESTS / "directory" / "membership" / "test_parents.py"
    assert refusal(parents, "tests.directory.joining_helpers") is None
