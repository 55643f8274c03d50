"""Placement's rules as plain functions: which SFU process a new call goes to, and when a process
counts as gone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A SERVING process as placement weighs it: its load from its last heartbeat plus the calls
    placed on it lately (a burst of new calls between two heartbeats must not all land on one)."""

    address: str
    participants: int
    calls: int
    placed_since: int = 0


def least_loaded(candidates: Iterable[Candidate], *, avoid: str = "") -> str | None:
    """The least loaded process: fewest participants, then fewest calls (each counting the calls placed
    since its heartbeat), then the address (a stable order); None when there is none but `avoid`."""
    eligible = [c for c in candidates if c.address != avoid]
    if not eligible:
        return None
    best = min(eligible, key=lambda c: (c.participants + c.placed_since, c.calls + c.placed_since, c.address))
    return best.address


def is_lost(*, silent_for: float, suspected: bool, heartbeat_seconds: float, ttl_seconds: float) -> bool:
    """A process is gone when no heartbeat came for the registry's TTL (its entry expired), or sooner
    — two heartbeats missed — once its WatchSessions stream broke (a process killed with -9: the
    stream ends at once, the registry confirms)."""
    if silent_for > ttl_seconds:
        return True
    return suspected and silent_for > 2 * heartbeat_seconds
