"""R-MOVE-2 in chats: who leaves the organisation leaves its chats (and a leaving student's parents
leave that class's chats); a transferred student leaves the old class's chats, and the new class's
chats become joinable. Run by the directory consumer; safe to run twice. Each returns the removals it
made, (chat, person), for the live notice that goes out once the transaction has committed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import messaging_pb2 as events
from services.common.events import service_actor
from services.common.outbox import stage_event
from services.messaging.chats.parts import shape_of
from services.messaging.chats.rules import still_belongs
from services.messaging.chats.store import ChatStore
from services.messaging.readmodel.store import ReadModelStore

# The chats of a class its students are in; parents are in its parents' chat.
STUDENT_KINDS = ("class", "subject")
# Chats by invitation only: who leaves the staff leaves them, whatever other role they keep.
INVITED_AS_STAFF_KINDS = ("management", "other")

# (chat_id, user_id): who was removed from which chat.
Removal = tuple[uuid.UUID, uuid.UUID]


async def _remove(
    chats: ChatStore,
    conn: AsyncConnection,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    chat_ids: Iterable[uuid.UUID],
    reason: str,
) -> list[Removal]:
    removed = await chats.remove_memberships(conn, user_id, chat_ids)
    for chat_id in removed:
        await stage_event(
            conn,
            "messaging.member.removed",
            events.MemberRemovedFromChat(
                organisation_id=str(organisation_id),
                chat_id=str(chat_id),
                user_id=str(user_id),
                reason=reason,
            ),
            organisation_id=str(organisation_id),
            actor=service_actor("messaging"),
        )
    return [(chat_id, user_id) for chat_id in removed]


async def _parents_leave_class(
    chats: ChatStore,
    directory: ReadModelStore,
    conn: AsyncConnection,
    organisation_id: uuid.UUID,
    class_id: uuid.UUID,
    parent_ids: Iterable[uuid.UUID],
    reason: str,
) -> list[Removal]:
    """Parents whose last child in the class is gone leave that class's chats."""
    chat_ids = await chats.chat_ids(conn, organisation_id, class_id=class_id)
    removals: list[Removal] = []
    for parent in parent_ids:
        person = await directory.person(conn, organisation_id, parent)
        if class_id in person.children_classes:
            continue
        removals += await _remove(chats, conn, organisation_id, parent, chat_ids, reason)
    return removals


async def reconcile(
    chats: ChatStore,
    directory: ReadModelStore,
    conn: AsyncConnection,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    reason: str,
    *,
    also_kinds: Iterable[str] = (),
) -> list[Removal]:
    """Take the person out of the organisation's chats they no longer belong in by the directory
    (R-MOVE-2, `still_belongs`), and out of any chat of `also_kinds`."""
    person = await directory.person(conn, organisation_id, user_id)
    extra = frozenset(also_kinds)
    leaving = [
        chat.id
        for chat in await chats.member_chats(conn, organisation_id, user_id)
        if chat.kind in extra or not still_belongs(person, shape_of(chat))
    ]
    return await _remove(chats, conn, organisation_id, user_id, leaving, reason)


async def roles_changed(
    chats: ChatStore,
    directory: ReadModelStore,
    conn: AsyncConnection,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    roles: list[str],
) -> list[Removal]:
    """Roles changed without a leave (a parent whose last child left, a role taken away): the person
    leaves the chats the old role put them in. No role left is leaving the organisation."""
    reason = "roles_changed" if roles else "left"
    return await reconcile(chats, directory, conn, organisation_id, user_id, reason)


async def member_left(
    chats: ChatStore,
    directory: ReadModelStore,
    conn: AsyncConnection,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    class_id: uuid.UUID | None,
    parent_ids: list[uuid.UUID],
    former_roles: list[str] | None = None,
) -> list[Removal]:
    """A student or staff member left. Only the roles they left with go (a teacher who quits stays
    the parent of their child, in that class's parents' chat); they leave every chat those roles
    put them in, and the chats they were invited to as staff (management, other)."""
    await directory.forget_student(conn, organisation_id, user_id)
    await directory.drop_roles(conn, organisation_id, user_id, former_roles or None)
    removals = await reconcile(
        chats, directory, conn, organisation_id, user_id, "left", also_kinds=INVITED_AS_STAFF_KINDS
    )
    if class_id is not None:
        removals += await _parents_leave_class(
            chats, directory, conn, organisation_id, class_id, parent_ids, "child_left"
        )
    return removals


async def student_transferred(
    chats: ChatStore,
    directory: ReadModelStore,
    conn: AsyncConnection,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    from_class: uuid.UUID | None,
    to_class: uuid.UUID,
    parent_ids: list[uuid.UUID],
) -> list[Removal]:
    await directory.set_student_class(conn, organisation_id, user_id, to_class)
    if from_class is None or from_class == to_class:
        return []
    old_chats = await chats.chat_ids(conn, organisation_id, class_id=from_class, kinds=STUDENT_KINDS)
    removals = await _remove(chats, conn, organisation_id, user_id, old_chats, "transferred")
    removals += await _parents_leave_class(
        chats, directory, conn, organisation_id, from_class, parent_ids, "child_transferred"
    )
    return removals
