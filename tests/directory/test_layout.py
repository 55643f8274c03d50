"""Directory's feature packages and how they may import each other, read from the source with the
stdlib `ast` through the layout tests' shared graph (`tests/support/layout.py`: `import_graph` leaves out
imports under `if TYPE_CHECKING:`).

The boundary every service keeps: a module of feature X imports from another feature Y only
`Y.parts` (the Protocols and value types Y declares) and `Y.tables` (a store's SQL may join Y's
tables), and the service's base-layer feature — membership, for directory — fully; the root's
`main.py`, `metadata.py` and `config.py` may import anything. Directory keeps two more: the features
depend one way (membership at the bottom, importing no other feature; organisations on membership;
the ways in, movement and support on both, none on each other), and no feature imports another's
store, membership's included (`main` hands the stores in, behind each feature's Protocols). No
module imports `main`, and there is no import cycle."""

from __future__ import annotations

from tests.support.layout import cycles, feature_crossings, import_graph, source_modules

PACKAGE = "services.directory"
BASE = "membership"
ROOT_MODULES = {"main", "metadata", "config"}
ALLOWED = {
    "membership": set(),
    "organisations": {"membership"},
    "joining": {"membership", "organisations"},
    "movement": {"membership", "organisations"},
    "support": {"membership", "organisations"},
}


def _graph() -> dict[str, set[str]]:
    """Each directory module with the directory modules it imports."""
    return {
        module: {target for target in targets if target.startswith(f"{PACKAGE}.")}
        for module, targets in import_graph().items()
        if module.startswith(f"{PACKAGE}.") and ".migrations" not in module
    }


def _feature(module: str) -> str | None:
    """The feature a module belongs to (the package itself included); None for the root's modules."""
    parts = module.split(".")
    if len(parts) == 3 and parts[2] in ROOT_MODULES:
        return None
    return parts[2] if len(parts) >= 3 else None


def boundary_crossings(graph: dict[str, set[str]], base: str) -> list[str]:
    """Imports from one feature into another that are neither its `parts` or `tables` nor the base feature."""
    return feature_crossings(graph, PACKAGE, base)


def test_the_features_are_the_five_packages_and_the_root_holds_only_the_wiring() -> None:
    modules = {module for module in source_modules() if module.startswith(f"{PACKAGE}.")}
    modules = {module for module in modules if ".migrations" not in module}
    assert {_feature(module) for module in modules} - {None} == set(ALLOWED)
    assert {module.split(".")[2] for module in modules if _feature(module) is None} == ROOT_MODULES


def test_a_feature_imports_another_only_through_its_parts_and_tables_or_the_base() -> None:
    assert boundary_crossings(_graph(), BASE) == []


def test_the_boundary_check_finds_a_crossing() -> None:
    graph = {
        "services.directory.joining.api": {
            "services.directory.organisations.api",
            "services.directory.organisations.parts",
            "services.directory.membership.access",
            "services.directory.metadata",
        },
        "services.directory.joining.store": {"services.directory.organisations.tables"},
        "services.directory.movement.moves": {"services.directory.organisations"},
        "services.directory.main": {"services.directory.organisations.api"},
    }
    assert boundary_crossings(graph, BASE) == [
        "services.directory.joining.api imports services.directory.organisations.api",
        "services.directory.movement.moves imports services.directory.organisations",
    ]


def test_features_depend_on_each_other_in_one_direction() -> None:
    modules = _graph()
    wrong = [
        (module, imported)
        for module, imported_set in modules.items()
        for imported in imported_set
        if (feature := _feature(module)) is not None
        and (other := _feature(imported)) not in (None, feature)
        and other not in ALLOWED[feature]
    ]
    assert wrong == []
    assert [m for m, imported in modules.items() if f"{PACKAGE}.main" in imported] == []


def test_no_feature_imports_another_features_store() -> None:
    reaching = [
        (module, imported)
        for module, imported_set in _graph().items()
        for imported in imported_set
        if imported.endswith(".store")
        and _feature(module) is not None
        and _feature(imported) != _feature(module)
    ]
    assert reaching == []


def test_no_import_cycle_among_directory_modules() -> None:
    assert cycles(_graph()) == []
