"""Calls' rules as plain functions.

- R-MEDIA-3: only who may read the chat NOW joins its call (and keeps signalling in it); a chat that
  is not theirs to see is NOT_FOUND (the access check says so), a chat they see but may not read
  (its audience, an invitee) is PERMISSION_DENIED. A member blocked in the chat (R-MOD-3) joins
  listen-only: no microphone, camera or screen.
- R-MOD-1: the chat's moderators (and the organisation's administrators) mute and remove.
- R-MEDIA-1: a call has no time limit — nothing here ends a call but its last session leaving.
- R-STAT-1: a finished call's duration, and each participant's time in it (any device).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.common.errors import PermissionDenied
from services.media.calls.parts import Standing

RULE = "R-MEDIA-3"
NOT_A_READER = "Присоединиться к звонку могут только участники чата"
NOT_A_MODERATOR = "Выключать и удалять участников звонка может только модератор чата"
LISTEN_ONLY = "Вы заблокированы в этом чате: в звонке можно только слушать"


@dataclass(frozen=True)
class MediaState:
    mic: bool = False
    camera: bool = False
    screen: bool = False
    hand_raised: bool = False


@dataclass(frozen=True)
class StateChange:
    """What the participant asks to change (None: leave as it is)."""

    mic: bool | None = None
    camera: bool | None = None
    screen: bool | None = None
    hand_raised: bool | None = None


def check_may_join(standing: Standing) -> None:
    """R-MEDIA-3: a member who may read the chat now."""
    if not standing.may_read:
        raise PermissionDenied(NOT_A_READER, rule=RULE)


def may_publish(standing: Standing) -> bool:
    """R-MEDIA-3 with R-MOD-3: a blocked member listens but does not publish."""
    return standing.may_read and not standing.blocked


def check_may_moderate(standing: Standing) -> None:
    """R-MOD-1: moderators of the chat mute and remove participants."""
    if not standing.may_moderate:
        raise PermissionDenied(NOT_A_MODERATOR, rule="R-MOD-1")


def state_after(current: MediaState, change: StateChange, *, may_publish: bool) -> MediaState:
    """The participant's state after their change. A listen-only session turns nothing on
    (PERMISSION_DENIED); turning off and the raised hand are always allowed."""
    turns_on = any(getattr(change, name) for name in ("mic", "camera", "screen"))
    if turns_on and not may_publish:
        raise PermissionDenied(LISTEN_ONLY, rule=RULE)
    return MediaState(
        mic=current.mic if change.mic is None else change.mic,
        camera=current.camera if change.camera is None else change.camera,
        screen=current.screen if change.screen is None else change.screen,
        hand_raised=current.hand_raised if change.hand_raised is None else change.hand_raised,
    )


def muted(current: MediaState, source: str) -> MediaState:
    """A moderator turned `source` ("microphone" | "camera" | "screen") off."""
    return MediaState(
        mic=current.mic and source != "microphone",
        camera=current.camera and source != "camera",
        screen=current.screen and source != "screen",
        hand_raised=current.hand_raised,
    )


def call_ends(open_sessions_left: int) -> bool:
    """R-MEDIA-1: the call ends when the last session has left — and only then."""
    return open_sessions_left == 0


def duration_seconds(started_at: datetime, ended_at: datetime) -> int:
    return max(0, int((ended_at - started_at).total_seconds()))


def participant_seconds(sessions: Iterable[tuple[str, datetime, datetime]]) -> dict[str, int]:
    """R-STAT-1: each person's time in the call from their sessions (user_id, joined_at, left_at),
    whole seconds; overlapping sessions (a phone and a laptop at once) count once."""
    by_user: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for user_id, joined_at, left_at in sessions:
        by_user[user_id].append((joined_at, max(joined_at, left_at)))
    totals: dict[str, int] = {}
    for user_id, intervals in by_user.items():
        intervals.sort()
        total = 0.0
        start, end = intervals[0]
        for joined, left in intervals[1:]:
            if joined <= end:
                end = max(end, left)
            else:
                total += (end - start).total_seconds()
                start, end = joined, left
        total += (end - start).total_seconds()
        totals[user_id] = int(total)
    return totals
