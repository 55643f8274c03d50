"""Chats through the public HTTP API with every service real (identity, directory, messaging, gateway)
and messaging's read model fed by directory's events over NATS: named after the rules they check."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import nats
import pytest_asyncio
from sqlalchemy import func, select

from parta.events.v1 import directory_pb2, envelope_pb2
from parta.messaging.v1 import messaging_pb2
from services.common.events import make_envelope
from services.common.inbox import processed_events
from services.messaging.chats.tables import chats
from tests.support.chats import create_chat, join, post, synced, system_channel
from tests.support.http import bearer, ok
from tests.support.platform import Infra, Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.support.waiting import until

Tokens = dict[str, Any]


@dataclass
class School:
    platform: Platform
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А
    maths: Tokens  # teaches Математика in 5А
    students: list[Tokens]  # of 5А
    other_class_student: Tokens  # of 6Б
    other_school_admin: Tokens
    activation: bytes  # the envelope of the school's organisation.activated, as published

    @property
    def id(self) -> str:
        return self.school.id

    @property
    def admin(self) -> Tokens:
        return self.school.school.admin


async def assign(school: ClassSchool, path: str, method: str, body: dict[str, Any]) -> None:
    response = await school.platform.http.request(method, path, headers=school.admin, json=body)
    assert response.status_code in (200, 201), response.text


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform, infra: Infra) -> School:
    captured: list[bytes] = []
    client = await nats.connect(infra.nats.url)

    async def keep(msg: Any) -> None:
        captured.append(msg.data)

    await client.subscribe("parta.directory.organisation.activated", cb=keep)
    operator = await operator_tokens(platform, "+79990000700")
    school = await class_school(platform, operator, 700, "+79120070070", ["5А", "6Б"])
    other = await class_school(platform, operator, 701, "+79120070071", [])
    await until(lambda: len(captured) >= 2, what="activation events")
    await client.close()
    activation = next(
        data for data in captured if envelope_pb2.EventEnvelope.FromString(data).organisation_id == school.id
    )
    teacher = await school.member("teacher", who="classteacher")
    maths = await school.member("teacher", who="maths")
    org = f"/api/v1/orgs/{school.id}"
    await assign(
        school, f"{org}/classes/{school.classes['5А']}/class-teacher", "PUT", {"user_id": teacher["user_id"]}
    )
    await assign(
        school,
        f"{org}/classes/{school.classes['5А']}/subjects",
        "POST",
        {"subject": "Математика", "user_id": maths["user_id"]},
    )
    students = [await school.member("student", "5А") for _ in range(3)]
    other_student = await school.member("student", "6Б")
    five_a = uuid.UUID(school.classes["5А"])
    await synced(platform, school.id, teacher["user_id"], lambda p: five_a in p.class_teacher_of)
    await synced(platform, school.id, maths["user_id"], lambda p: p.teaches_in(five_a))
    for student in students:
        await synced(platform, school.id, student["user_id"], lambda p: p.student_class == five_a)
    await synced(platform, school.id, other_student["user_id"], lambda p: p.student_class is not None)
    await synced(platform, other.id, other.school.admin["user_id"], lambda p: p.is_admin)
    return School(platform, school, teacher, maths, students, other_student, other.school.admin, activation)


@pytest_asyncio.fixture(scope="module")
async def class_chat(world: School) -> dict[str, Any]:
    return await create_chat(
        world.platform, world.id, world.teacher, kind="class", class_id=world.school.classes["5А"]
    )


async def count_system_channels(platform: Platform, org: str) -> int:
    async with platform.messaging.runtime.db.transaction("test_count") as conn:
        found = await conn.scalar(
            select(func.count()).where(
                chats.c.organisation_id == uuid.UUID(org), chats.c.system_kind.is_not(None)
            )
        )
    return int(found or 0)


async def processed(platform: Platform, event_id: str) -> bool:
    async with platform.messaging.runtime.db.transaction("test_processed") as conn:
        found = await conn.scalar(
            select(func.count()).where(processed_events.c.event_id == uuid.UUID(event_id))
        )
    return bool(found)


async def test_r_org_5_system_channels_appear_once_even_when_activation_is_redelivered(
    world: School, infra: Infra
) -> None:
    platform = world.platform
    school_channel = await system_channel(platform, world.id, world.admin, "school")
    staff_channel = await system_channel(platform, world.id, world.admin, "staff")
    assert (school_channel["title"], school_channel["kind"], school_channel["staff_only"]) == (
        "Общешкольный канал",
        "channel",
        False,
    )
    assert (staff_channel["title"], staff_channel["staff_only"]) == ("Сотрудники", True)
    assert len(school_channel["rules"]) >= 5
    assert await count_system_channels(platform, world.id) == 2

    # The same envelope again (a redelivery), and the same event under a new id (a handler replay).
    original = envelope_pb2.EventEnvelope.FromString(world.activation)
    replay = make_envelope(
        original.type,
        _unpacked(original),
        organisation_id=original.organisation_id,
        event_id=str(uuid.uuid4()),
    )
    client = await nats.connect(infra.nats.url)
    js = client.jetstream()
    await js.publish("parta.directory.organisation.activated", world.activation)
    await js.publish("parta.directory.organisation.activated", replay.SerializeToString())
    await client.close()
    await until(lambda: processed(platform, replay.event_id), what="the replay handled")
    assert await count_system_channels(platform, world.id) == 2


def _unpacked(envelope: envelope_pb2.EventEnvelope) -> Any:
    event = directory_pb2.OrganisationActivated()
    envelope.payload.Unpack(event)
    return event


async def test_r_chat_1_r_chat_5_class_teacher_creates_the_class_chat_and_a_student_joins_by_the_rules(
    world: School, class_chat: dict[str, Any]
) -> None:
    http = world.platform.http
    assert class_chat["kind"] == "class"
    assert class_chat["member"]
    assert class_chat["title"] == "5А: класс"
    assert class_chat["rules_version"] == 1
    assert len(class_chat["rules"]) == 6
    chat = f"/api/v1/chats/{class_chat['id']}"
    student = world.students[0]

    # Only that class's class teacher creates it; a second one for the class is refused.
    for tokens in (world.maths, student, world.admin):
        response = await http.post(
            f"/api/v1/orgs/{world.id}/chats",
            headers=bearer(tokens),
            json={"kind": "class", "class_id": world.school.classes["5А"]},
        )
        assert response.status_code == 403, response.text
    again = await http.post(
        f"/api/v1/orgs/{world.id}/chats",
        headers=bearer(world.teacher),
        json={"kind": "class", "class_id": world.school.classes["5А"]},
    )
    assert again.status_code == 409

    # The student sees the chat and its rules, but is not in it until they acknowledge them.
    seen = ok(await http.get(chat, headers=bearer(student)))
    assert seen["rules"] == class_chat["rules"]
    assert not seen["member"]
    joinable = ok(await http.get(f"/api/v1/orgs/{world.id}/chats/joinable", headers=bearer(student)))
    assert class_chat["id"] in [c["id"] for c in joinable["chats"]]
    before = await http.get(f"{chat}/messages", headers=bearer(student))
    assert before.status_code == 409
    assert before.json()["error"]["rule"] == "R-CHAT-5"
    wrong = await http.post(f"{chat}:join", headers=bearer(student), json={"rules_version": 2})
    assert wrong.status_code == 409
    assert wrong.json()["error"]["rule"] == "R-CHAT-5"
    joined = ok(await http.post(f"{chat}:join", headers=bearer(student), json={"rules_version": 1}))
    assert joined["member"]
    members = ok(await http.get(f"{chat}/members", headers=bearer(world.teacher)))["members"]
    assert {m["user_id"]: m["rules_version"] for m in members} == {
        world.teacher["user_id"]: 1,
        student["user_id"]: 1,
    }


async def test_r_org_1_another_class_and_another_school_get_404(
    world: School, class_chat: dict[str, Any]
) -> None:
    http = world.platform.http
    chat = f"/api/v1/chats/{class_chat['id']}"
    for tokens in (world.other_class_student, world.other_school_admin):
        assert (await http.get(chat, headers=bearer(tokens))).status_code == 404
        joining = await http.post(f"{chat}:join", headers=bearer(tokens), json={"rules_version": 1})
        assert joining.status_code == 404
        assert (await http.get(f"{chat}/messages", headers=bearer(tokens))).status_code == 404
    other_org = await http.get(
        f"/api/v1/orgs/{world.id}/chats/joinable", headers=bearer(world.other_school_admin)
    )
    assert other_org.status_code == 404
    created = await http.post(
        f"/api/v1/orgs/{world.id}/chats",
        headers=bearer(world.other_school_admin),
        json={"kind": "other", "title": "x"},
    )
    assert created.status_code == 404


async def test_r_chat_4_invitations_are_accepted_by_the_invitee_never_forced(
    world: School, class_chat: dict[str, Any]
) -> None:
    http = world.platform.http
    chat = f"/api/v1/chats/{class_chat['id']}"
    invited = ok(
        await http.post(f"{chat}/invitations", headers=bearer(world.teacher), json={"whole_class": True}), 201
    )
    invitees = {i["user_id"] for i in invited["invitations"]}
    # Everyone of the class not yet in the chat, and nobody else; nobody became a member.
    assert invitees == {s["user_id"] for s in world.students if s is not world.students[0]}
    members = ok(await http.get(f"{chat}/members", headers=bearer(world.teacher)))["members"]
    assert len(members) == 2
    # Outside the class: not invitable; a student may not invite.
    outside = await http.post(
        f"{chat}/invitations",
        headers=bearer(world.teacher),
        json={"user_ids": [world.other_class_student["user_id"]]},
    )
    assert outside.status_code == 404
    by_student = await http.post(
        f"{chat}/invitations",
        headers=bearer(world.students[0]),
        json={"user_ids": [world.students[1]["user_id"]]},
    )
    assert by_student.status_code == 403

    accepting, declining = world.students[1], world.students[2]
    mine = ok(await http.get("/api/v1/me/chat-invitations", headers=bearer(accepting)))["invitations"]
    assert [(i["chat_id"], i["status"]) for i in mine] == [(class_chat["id"], "pending")]
    refused = await http.post(
        f"/api/v1/chat-invitations/{mine[0]['id']}:accept",
        headers=bearer(accepting),
        json={"rules_version": 7},
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["rule"] == "R-CHAT-5"
    stolen = await http.post(
        f"/api/v1/chat-invitations/{mine[0]['id']}:accept",
        headers=bearer(declining),
        json={"rules_version": 1},
    )
    assert stolen.status_code == 404
    accepted = ok(
        await http.post(
            f"/api/v1/chat-invitations/{mine[0]['id']}:accept",
            headers=bearer(accepting),
            json={"rules_version": 1},
        )
    )
    assert accepted["member"]
    theirs = ok(await http.get("/api/v1/me/chat-invitations", headers=bearer(declining)))["invitations"]
    declined = ok(
        await http.post(f"/api/v1/chat-invitations/{theirs[0]['id']}:decline", headers=bearer(declining))
    )
    assert declined["status"] == "declined"
    assert not ok(await http.get(chat, headers=bearer(declining)))["member"]


async def test_r_chat_2_only_administrators_post_in_the_school_channel(world: School) -> None:
    http = world.platform.http
    channel = await system_channel(world.platform, world.id, world.students[0], "school")
    await join(world.platform, channel, world.students[0])
    refused = await post(world.platform, channel["id"], world.students[0], "Можно вопрос?")
    assert refused.status_code == 409
    assert refused.json()["error"]["rule"] == "R-CHAT-2"
    await join(world.platform, channel, world.admin)
    posted = ok(await post(world.platform, channel["id"], world.admin, "Завтра линейка в 8:30"), 201)
    history = ok(await http.get(f"/api/v1/chats/{channel['id']}/messages", headers=bearer(world.students[0])))
    assert [m["text"] for m in history["messages"]] == ["Завтра линейка в 8:30"]
    assert posted["seq"] == 1
    # Students do not see the staff channel at all.
    staff = await system_channel(world.platform, world.id, world.teacher, "staff")
    assert (
        await http.get(f"/api/v1/chats/{staff['id']}", headers=bearer(world.students[0]))
    ).status_code == 404


async def test_r_chat_3_sequence_numbers_have_no_gaps_under_twenty_concurrent_sends(world: School) -> None:
    """R-CHAT-3: messages carry per-chat sequence numbers with no gaps, even under concurrency."""
    chat = await create_chat(world.platform, world.id, world.teacher, kind="other", title="Олимпиада")
    start = chat["last_seq"]
    responses = await asyncio.gather(
        *(post(world.platform, chat["id"], world.teacher, f"№{i}") for i in range(20))
    )
    seqs = sorted(ok(r, 201)["seq"] for r in responses)
    assert seqs == list(range(start + 1, start + 21))


async def test_r_chat_7_history_pages_by_sequence(world: School) -> None:
    """R-CHAT-7: history is kept and read page by page by sequence."""
    http = world.platform.http
    chat = await create_chat(world.platform, world.id, world.teacher, kind="other", title="История")
    for i in range(1, 13):
        ok(await post(world.platform, chat["id"], world.teacher, f"сообщение {i}"), 201)
    url = f"/api/v1/chats/{chat['id']}/messages"
    newest = ok(await http.get(url, headers=bearer(world.teacher), params={"limit": 5}))
    assert [m["seq"] for m in newest["messages"]] == [8, 9, 10, 11, 12]
    assert newest["has_more"]
    older = ok(await http.get(url, headers=bearer(world.teacher), params={"limit": 5, "before": 8}))
    assert [m["seq"] for m in older["messages"]] == [3, 4, 5, 6, 7]
    assert older["has_more"]
    oldest = ok(await http.get(url, headers=bearer(world.teacher), params={"limit": 5, "before": 3}))
    assert [m["seq"] for m in oldest["messages"]] == [1, 2]
    assert not oldest["has_more"]
    after = ok(await http.get(url, headers=bearer(world.teacher), params={"limit": 4, "after": 9}))
    assert [m["seq"] for m in after["messages"]] == [10, 11, 12]
    assert not after["has_more"]
    too_many = await http.get(url, headers=bearer(world.teacher), params={"limit": 101})
    assert too_many.status_code == 400
    reply = ok(
        await http.post(url, headers=bearer(world.teacher), json={"text": "ответ", "reply_to_seq": 3}), 201
    )
    assert reply["reply_to_seq"] == 3
    dangling = await http.post(
        url, headers=bearer(world.teacher), json={"text": "ответ", "reply_to_seq": 999}
    )
    assert dangling.status_code == 400


async def test_unread_counts_fall_after_read(world: School, class_chat: dict[str, Any]) -> None:
    http = world.platform.http
    student = world.students[0]

    async def unread() -> int:
        mine = ok(await http.get("/api/v1/chats", headers=bearer(student)))["chats"]
        return int(next(c for c in mine if c["id"] == class_chat["id"])["unread_count"])

    base = await unread()
    for text in ("Родительское собрание", "в четверг", "в 18:00"):
        ok(await post(world.platform, class_chat["id"], world.teacher, text), 201)
    assert await unread() == base + 3
    last = ok(await http.get(f"/api/v1/chats/{class_chat['id']}", headers=bearer(student)))["last_seq"]
    state = ok(
        await http.post(f"/api/v1/chats/{class_chat['id']}:read", headers=bearer(student), json={"seq": last})
    )
    assert state == {"chat_id": class_chat["id"], "last_read_seq": last, "unread_count": 0}
    assert await unread() == 0
    # The sender's own messages are read by them.
    teacher_view = ok(await http.get(f"/api/v1/chats/{class_chat['id']}", headers=bearer(world.teacher)))
    assert teacher_view["unread_count"] == 0


async def test_my_chats_list_newest_activity_first_with_the_last_message_as_preview(
    world: School, class_chat: dict[str, Any]
) -> None:
    """The chats list is the home screen: each chat with its newest message (cut to 200 characters,
    emptied when deleted), newest activity first."""
    http = world.platform.http
    teacher = world.teacher
    club = await create_chat(world.platform, world.id, teacher, kind="other", title="Кружок шахмат")
    ok(await post(world.platform, club["id"], teacher, "Турнир в субботу"), 201)

    async def mine() -> list[dict[str, Any]]:
        query = {"organisation_id": world.id}
        return list(ok(await http.get("/api/v1/chats", headers=bearer(teacher), params=query))["chats"])

    chats_now = await mine()
    assert chats_now[0]["id"] == club["id"]
    assert chats_now[0]["last_message"]["text"] == "Турнир в субботу"
    assert chats_now[0]["last_message"]["author_id"] == teacher["user_id"]
    long = "Домашнее задание: " + "я" * 300
    posted = ok(await post(world.platform, class_chat["id"], world.teacher, long), 201)
    chats_now = await mine()
    assert [c["id"] for c in chats_now[:2]] == [class_chat["id"], club["id"]]
    preview = chats_now[0]["last_message"]
    assert (preview["seq"], preview["text"], preview["deleted"]) == (posted["seq"], long[:200], False)
    url = f"/api/v1/chats/{class_chat['id']}/messages/{posted['seq']}"
    ok(await http.delete(url, headers=bearer(world.teacher)))
    preview = (await mine())[0]["last_message"]
    assert (preview["text"], preview["deleted"]) == ("", True)
    # A chat's own answer (not the list) carries no preview.
    single = ok(await http.get(f"/api/v1/chats/{class_chat['id']}", headers=bearer(teacher)))
    assert single["last_message"] is None
    assert single["member_count"] == (await mine())[0]["member_count"]


async def test_a_send_retried_with_its_client_id_is_stored_once(
    world: School, class_chat: dict[str, Any]
) -> None:
    """A client that lost the answer sends again with the same client_id: one message, same seq."""
    http = world.platform.http
    url = f"/api/v1/chats/{class_chat['id']}/messages"
    body = {"text": "Собрание в пятницу", "client_id": str(uuid.uuid4())}
    first = ok(await http.post(url, headers=bearer(world.teacher), json=body), 201)
    again = ok(await http.post(url, headers=bearer(world.teacher), json=body), 201)
    assert (again["seq"], again["text"]) == (first["seq"], first["text"])
    page = ok(await http.get(url, headers=bearer(world.teacher), params={"after": first["seq"] - 1}))
    assert [m["seq"] for m in page["messages"]] == [first["seq"]]
    # Another id is another message; a malformed id is bad input.
    other = ok(
        await http.post(url, headers=bearer(world.teacher), json={**body, "client_id": str(uuid.uuid4())}),
        201,
    )
    assert other["seq"] == first["seq"] + 1
    bad = await http.post(url, headers=bearer(world.teacher), json={"text": "x", "client_id": "not-a-uuid"})
    assert bad.status_code == 400


async def test_r_chat_3_markup_stays_text_and_oversize_is_refused(
    world: School, class_chat: dict[str, Any]
) -> None:
    http = world.platform.http
    text = "<script>alert('x')</script> **жирный** <b>тег</b>"
    posted = ok(await post(world.platform, class_chat["id"], world.teacher, text), 201)
    assert posted["text"] == text
    page = ok(await http.get(f"/api/v1/chats/{class_chat['id']}/messages", headers=bearer(world.teacher)))
    assert page["messages"][-1]["text"] == text
    assert (await post(world.platform, class_chat["id"], world.teacher, "я" * 4001)).status_code == 400
    assert (await post(world.platform, class_chat["id"], world.teacher, "я" * 4000)).status_code == 201


async def test_editing_someone_elses_message_is_forbidden_and_delete_keeps_a_tombstone(
    world: School, class_chat: dict[str, Any]
) -> None:
    http = world.platform.http
    student = world.students[0]
    teachers = ok(await post(world.platform, class_chat["id"], world.teacher, "Домашнее задание: §5"), 201)
    url = f"/api/v1/chats/{class_chat['id']}/messages"
    forbidden = await http.patch(
        f"{url}/{teachers['seq']}", headers=bearer(student), json={"text": "нет задания"}
    )
    assert forbidden.status_code == 403
    assert (await http.delete(f"{url}/{teachers['seq']}", headers=bearer(student))).status_code == 403
    mine = ok(await post(world.platform, class_chat["id"], student, "опечтка"), 201)
    edited = ok(await http.patch(f"{url}/{mine['seq']}", headers=bearer(student), json={"text": "опечатка"}))
    assert edited["text"] == "опечатка"
    assert edited["edited_at"]
    deleted = ok(await http.delete(f"{url}/{mine['seq']}", headers=bearer(student)))
    assert deleted["deleted"]
    assert deleted["text"] == ""
    page = ok(
        await http.get(url, headers=bearer(world.teacher), params={"after": mine["seq"] - 1, "limit": 1})
    )
    assert page["messages"][0]["seq"] == mine["seq"]
    assert page["messages"][0]["deleted"]


async def test_live_message_is_published_on_the_chats_subject(
    world: School, class_chat: dict[str, Any], infra: Infra
) -> None:
    client = await nats.connect(infra.nats.url)
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def on_live(msg: Any) -> None:
        await received.put(msg.data)

    await client.subscribe(f"parta.live.chat.{class_chat['id']}", cb=on_live)
    await client.flush()
    posted = ok(await post(world.platform, class_chat["id"], world.teacher, "Живое сообщение"), 201)
    event = messaging_pb2.LiveChatEvent.FromString(await asyncio.wait_for(received.get(), timeout=5))
    await client.close()
    assert (event.chat_id, event.kind) == (class_chat["id"], messaging_pb2.LIVE_EVENT_KIND_MESSAGE_POSTED)
    assert (event.message.seq, event.message.text) == (posted["seq"], "Живое сообщение")


async def test_r_move_2_a_student_who_leaves_disappears_from_the_class_chat(
    world: School, class_chat: dict[str, Any]
) -> None:
    http = world.platform.http
    leaving = world.students[1]  # joined by accepting the invitation
    chat = f"/api/v1/chats/{class_chat['id']}"

    async def member_ids() -> set[str]:
        members = ok(await http.get(f"{chat}/members", headers=bearer(world.teacher)))["members"]
        return {m["user_id"] for m in members}

    if leaving["user_id"] not in await member_ids():
        await join(world.platform, class_chat, leaving)
    ok(
        await http.post(
            f"/api/v1/orgs/{world.id}/movements:leave",
            headers=world.school.admin,
            json={"user_id": leaving["user_id"]},
        )
    )

    async def gone() -> bool:
        return leaving["user_id"] not in await member_ids()

    await until(gone, what="the leaver removed")
    assert (await http.get(chat, headers=bearer(leaving))).status_code == 404


async def test_r_move_2_a_transferred_student_leaves_the_old_class_chat(
    world: School, class_chat: dict[str, Any]
) -> None:
    http = world.platform.http
    moving = world.students[0]
    chat = f"/api/v1/chats/{class_chat['id']}"
    assert ok(await http.get(chat, headers=bearer(moving)))["member"]
    ok(
        await http.post(
            f"/api/v1/orgs/{world.id}/movements:transfer",
            headers=world.school.admin,
            json={"user_id": moving["user_id"], "to_class_id": world.school.classes["6Б"]},
        )
    )

    async def moved() -> bool:
        return (await http.get(chat, headers=bearer(moving))).status_code == 404

    await until(moved, what="the transfer applied")
    members = ok(await http.get(f"{chat}/members", headers=bearer(world.teacher)))["members"]
    assert moving["user_id"] not in {m["user_id"] for m in members}
