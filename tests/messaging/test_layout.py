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

from tests.support.layout import feature_crossings, import_graph

SERVICE = "services.messaging"
BASE = "readmodel"


def crossings(graph: dict[str, set[str]]) -> list[str]:
    return feature_crossings(graph, SERVICE, BASE)


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
