"""What chats consume, each through its own durable consumer.

- `messaging-directory`: directory's events, kept as the read model (readmodel/) that decides who
  may create and join which chat (organisations, members and roles, classes with the staff room,
  class and subject teachers, students' classes, parent links), with what they mean for chats: the
  system channels of R-ORG-5 and movement (R-MOVE-2). Each event runs once (the inbox), and each
  handler upserts, so a replay is harmless.
- `messaging-live`: joins reach the live channel. A join (by itself, by accepting an invitation, by
  a chat link) stages `messaging.member.joined` in its transaction; this consumer of messaging's own
  stream publishes it as `member.joined` on the chat's live subject once its own transaction has
  committed. The instances share the consumer, so each join goes out once."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2, envelope_pb2
from parta.events.v1 import messaging_pb2 as events
from services.common.convert import role_name, uuid_or_none
from services.common.inbox import AfterCommit, Subscription
from services.messaging.chats import movement
from services.messaging.chats.live import LivePublisher
from services.messaging.chats.membership import ensure_system_channels
from services.messaging.chats.store import ChatStore
from services.messaging.readmodel.store import ReadModelStore

# The directory's class kinds, in the order of its ClassCreated.kind (1, 2, 3, 4).
CLASS_KINDS = ("class", "group", "association", "staff_room")
STAFF_ROOM_NAME = "Учительская"


def directory_subscription(store: ReadModelStore, chats: ChatStore, live: LivePublisher) -> Subscription:
    subscription = Subscription(durable="messaging-directory", publisher="directory")

    @subscription.on("directory.organisation.activated")
    async def on_activated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.OrganisationActivated()
        envelope.payload.Unpack(event)
        org = uuid.UUID(event.organisation_id)
        staff_room = uuid_or_none(event.staff_room_id)
        await store.upsert_organisation(conn, org, event.name, staff_room)
        if staff_room is not None:
            await store.upsert_class(conn, staff_room, org, STAFF_ROOM_NAME, "staff_room")
        await ensure_system_channels(chats, conn, org)

    @subscription.on("directory.organisation.updated")
    async def on_updated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.OrganisationUpdated()
        envelope.payload.Unpack(event)
        await store.rename_organisation(conn, uuid.UUID(event.organisation_id), event.name)

    @subscription.on("directory.member.roles_changed")
    async def on_roles_changed(
        conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope
    ) -> AfterCommit | None:
        event = directory_pb2.MemberRolesChanged()
        envelope.payload.Unpack(event)
        roles = sorted({role_name(role) for role in event.roles})
        org, user = uuid.UUID(event.organisation_id), uuid.UUID(event.user_id)
        if not await store.apply_roles(conn, org, user, roles, event.version):
            return None  # an older version than what we hold: nothing changes
        removals = await movement.roles_changed(chats, store, conn, org, user, roles)
        return lambda: live.members_removed(removals)

    @subscription.on("directory.class.created")
    async def on_class_created(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.ClassCreated()
        envelope.payload.Unpack(event)
        kind = CLASS_KINDS[event.kind - 1] if 1 <= event.kind <= len(CLASS_KINDS) else "class"
        await store.upsert_class(
            conn, uuid.UUID(event.class_id), uuid.UUID(event.organisation_id), event.name, kind
        )

    @subscription.on("directory.class.teacher_assigned")
    async def on_class_teacher(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.ClassTeacherAssigned()
        envelope.payload.Unpack(event)
        await store.set_class_teacher(
            conn, uuid.UUID(event.organisation_id), uuid.UUID(event.class_id), uuid.UUID(event.user_id)
        )

    @subscription.on("directory.subject.assigned")
    async def on_subject(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.SubjectTeacherAssigned()
        envelope.payload.Unpack(event)
        await store.set_subject_teacher(
            conn,
            uuid.UUID(event.organisation_id),
            uuid.UUID(event.class_id),
            event.subject,
            uuid.UUID(event.user_id),
        )

    @subscription.on("directory.student.enrolled")
    async def on_enrolled(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.StudentEnrolled()
        envelope.payload.Unpack(event)
        await store.set_student_class(
            conn, uuid.UUID(event.organisation_id), uuid.UUID(event.user_id), uuid.UUID(event.class_id)
        )

    @subscription.on("directory.parent.linked")
    async def on_parent_linked(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.ParentLinked()
        envelope.payload.Unpack(event)
        await store.link_parent(
            conn, uuid.UUID(event.organisation_id), uuid.UUID(event.parent_id), uuid.UUID(event.child_id)
        )

    @subscription.on("directory.student.transferred")
    async def on_transferred(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        event = directory_pb2.StudentTransferred()
        envelope.payload.Unpack(event)
        removals = await movement.student_transferred(
            chats,
            store,
            conn,
            uuid.UUID(event.organisation_id),
            uuid.UUID(event.user_id),
            uuid_or_none(event.from_class_id),
            uuid.UUID(event.to_class_id),
            [uuid.UUID(p) for p in event.parent_ids],
        )
        return lambda: live.members_removed(removals)

    @subscription.on("directory.member.left")
    async def on_left(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        event = directory_pb2.MemberLeft()
        envelope.payload.Unpack(event)
        removals = await movement.member_left(
            chats,
            store,
            conn,
            uuid.UUID(event.organisation_id),
            uuid.UUID(event.user_id),
            uuid_or_none(event.class_id),
            [uuid.UUID(p) for p in event.parent_ids],
            [role_name(role) for role in event.former_roles],
        )
        return lambda: live.members_removed(removals)

    return subscription


def live_membership_subscription(live: LivePublisher) -> Subscription:
    subscription = Subscription(durable="messaging-live", publisher="messaging")

    @subscription.on("messaging.member.joined")
    async def on_joined(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        event = events.MemberJoinedChat()
        envelope.payload.Unpack(event)
        return lambda: live.member_joined(event.chat_id, event.user_id)

    return subscription
