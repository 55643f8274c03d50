"""What calls offers the other features of the media service, and what it needs from outside:

- `Standing`: how the caller stands to a chat now (messaging's `Chats.GetChatAccess`), and
  `ChatAccessCheck`, the port that asks it (calls/access.py over gRPC);
- `OpenSession`: a participant session that is open, as signalling needs it (whose, which call,
  on which SFU) — `Sessions.open_session_of` answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.common.auth import Principal


@dataclass(frozen=True)
class Standing:
    """The caller in a chat now (R-MEDIA-3): a chat that is not theirs to see never gets here
    (the check raises NotFound)."""

    chat_id: str
    organisation_id: str
    may_read: bool
    may_post: bool
    blocked: bool
    may_moderate: bool
    # What the call's room belongs to: "chat", or "broadcast" (R-MEDIA-2, decision 010: the broadcast's
    # id stands where a chat's would, and its access check answers this Standing).
    kind: str = "chat"


class ChatAccessCheck(Protocol):
    async def __call__(self, principal: Principal, chat_id: str) -> Standing:
        """How `principal` stands to the chat now; NotFound when it is not theirs to see."""
        ...


@dataclass(frozen=True)
class OpenSession:
    call_id: str
    session_id: str
    user_id: str
    chat_id: str
    sfu_address: str


class SessionCheck(Protocol):
    async def __call__(
        self, principal: Principal, call_id: str, session_id: str, *, ask_access: bool
    ) -> OpenSession:
        """The caller's own open session of the call; NotFound otherwise. With `ask_access`, whether
        they may still read the chat is asked again (R-MEDIA-3)."""
        ...
