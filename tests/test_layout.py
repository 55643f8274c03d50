"""The layout's boundaries, read from the source with the stdlib `ast` (issue 12).

- A service imports of the project only itself, `services.common` and the generated contracts:
  services talk over gRPC and NATS, never by importing each other (the gateway included).
- No import cycle among the services' modules: a cycle means two modules are one job split badly,
  or a lower layer calling back up.
- Inside a service, a feature folder imports another feature only through that feature's declared
  parts (its `parts` module or the package itself), never its store, tables or api.

Imports under `if TYPE_CHECKING:` are left out: they do not run.
"""

from __future__ import annotations

from tests.support.layout import cycles, import_graph

# Packages that run or wire several services on purpose: the dev supervisor and the CLI.
ORCHESTRATORS = {"devstack", "cli"}


def service_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else ""


def test_services_import_only_themselves_common_and_contracts() -> None:
    crossings = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if service_of(module) not in ORCHESTRATORS | {"common", ""}
        for target in targets
        if service_of(target) not in {service_of(module), "common"}
    )
    assert crossings == []


def test_common_imports_no_service() -> None:
    crossings = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if service_of(module) == "common"
        for target in targets
        if service_of(target) != "common"
    )
    assert crossings == []


def test_no_import_cycle_among_service_modules() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
