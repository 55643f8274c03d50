"""How messaging's features talk, read from the source with the stdlib `ast` (issue 12).

Inside services/messaging a module of feature X imports from another feature Y only:
- `services.messaging.Y.parts` — the Protocols and value types Y offers the others;
- `services.messaging.Y.tables` — Y's tables, for a store that joins them in SQL;
- anything of `services.messaging.readmodel`, the base every feature reads.
Everything else a feature needs of another is declared by it (a Protocol, a function type) and
wired by the service's root modules (`main.py`, `metadata.py`, `config.py`), which may
import anything. Imports under `if TYPE_CHECKING:` do not count (they do not run).
"""

from __future__ import annotations

from tests.support.layout import import_graph, source_modules

SERVICE = "services.messaging"
BASE = "readmodel"
OFFERED = {"parts", "tables"}


def feature_of(module: str) -> str | None:
    """The feature package a module of messaging belongs to; None for the root modules."""
    if not module.startswith(SERVICE + "."):
        return None
    rest = module[len(SERVICE) + 1 :].split(".")
    if len(rest) == 1 and not _is_package(module):
        return None
    return rest[0]


def _is_package(module: str) -> bool:
    path = source_modules().get(module)
    return path is not None and path.name == "__init__.py"


def crossings(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in graph.items():
        feature = feature_of(module)
        if feature is None:
            continue
        for target in targets:
            other = feature_of(target)
            if other is None or other in {feature, BASE}:
                continue
            room = target[len(f"{SERVICE}.{other}") + 1 :].split(".")[0]
            if room not in OFFERED:
                found.append(f"{module} imports {target}")
    return sorted(found)


def test_features_import_each_other_only_through_parts_and_tables() -> None:
    assert crossings(import_graph()) == []


def test_the_check_finds_a_feature_reaching_into_another() -> None:
    graph = {
        "services.messaging.links.joining": {
            "services.messaging.chats.store",  # another feature's store: refused
            "services.messaging.chats.parts",
            "services.messaging.moderation.tables",
            "services.messaging.readmodel.store",
            "services.messaging.links.rules",
        },
        "services.messaging.main": {"services.messaging.chats.store"},  # the root wires anything
    }
    assert crossings(graph) == ["services.messaging.links.joining imports services.messaging.chats.store"]
