"""How the media service's features talk, read from the source with the stdlib `ast` (as
tests/messaging/test_layout.py does for messaging).

Inside services/media a module of feature X (`calls`, `signalling`, `placement`, and `sfu` — the SFU
process, which shares nothing with the control plane but the contracts) imports from another feature
Y only `services.media.Y.parts` (the Protocols and value types Y offers) or `services.media.Y.tables`.
The root modules (`main.py`, `config.py`, `metadata.py`) wire anything. Imports under
`if TYPE_CHECKING:` do not count.
"""

from __future__ import annotations

from tests.support.layout import feature_crossings, feature_of, import_graph

SERVICE = "services.media"


def crossings(graph: dict[str, set[str]]) -> list[str]:
    return feature_crossings(graph, SERVICE)


def test_features_import_each_other_only_through_parts_and_tables() -> None:
    assert crossings(import_graph()) == []


def test_the_sfu_process_and_the_control_plane_share_no_code() -> None:
    """The SFU (services/media/sfu) runs as its own process: neither side imports the other."""
    graph = import_graph()
    both = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if feature_of(module, SERVICE) is not None
        for target in targets
        if feature_of(target, SERVICE) is not None
        and (feature_of(module, SERVICE) == "sfu") != (feature_of(target, SERVICE) == "sfu")
    )
    assert both == []


def test_the_check_finds_a_feature_reaching_into_another() -> None:
    graph = {
        "services.media.signalling.api": {
            "services.media.calls.store",  # another feature's store: refused
            "services.media.calls.parts",
            "services.media.placement.parts",
        },
        "services.media.main": {"services.media.calls.store"},  # the root wires anything
    }
    assert crossings(graph) == ["services.media.signalling.api imports services.media.calls.store"]
