"""What broadcasts needs from outside, as small declared parts that main.py wires:

- `Member`: the caller in an organisation as directory knows them now (roles, the class they study
  in, their children's classes) and `MembershipCheck`, the port that asks directory
  (`broadcasts/directory.py`, `Members.CheckMembership` with the caller's own token);
- `AudienceLookup`: the organisation's members and one member's classes, asked of directory with the
  planning administrator's token, and `NoticeSender` — the live notice to the audience (notices.py);
- `RoomEnd`: ending the broadcast's call when it is cancelled while live (calls' `Calls.room_closed`);
- `CallJoin`: joining the broadcast's call — calls' `Calls.join` and its reply (main.py wires it),
  whose access check answers for a broadcast's id through `broadcasts/access.py` (decision 010).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from parta.media.v1 import calls_pb2
from services.common.auth import Principal


@dataclass(frozen=True)
class Member:
    """The caller in an organisation; `member` false: not in it (another school's person)."""

    member: bool
    roles: frozenset[str] = frozenset()
    class_ids: frozenset[str] = frozenset()
    children_class_ids: frozenset[str] = frozenset()


class MembershipCheck(Protocol):
    async def __call__(self, principal: Principal, organisation_id: str) -> Member: ...


class AudienceLookup(Protocol):
    """Directory's members as the administrator who plans sees them (for the live notice)."""

    async def members(self, principal: Principal, organisation_id: str) -> list[tuple[str, frozenset[str]]]:
        """(user id, roles) of every member."""
        ...

    async def member(self, principal: Principal, organisation_id: str, user_id: str) -> Member:
        """One member with their class and their children's classes."""
        ...


class NoticeSender(Protocol):
    async def __call__(self, principal: Principal, broadcast: Any) -> None:
        """Tell the broadcast's audience live that it is planned (best effort, after the commit)."""
        ...


class RoomEnd(Protocol):
    async def __call__(self, room_id: str) -> None:
        """The room's call (if one is in progress) ends now for everyone in it."""
        ...


class CallJoin(Protocol):
    async def __call__(self, principal: Principal, room_id: str) -> calls_pb2.JoinCallResponse: ...
