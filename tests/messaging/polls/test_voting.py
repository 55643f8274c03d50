"""Polls (R-CHAT-3) and "seen by" on channel posts through the public HTTP API, every service real:
named after the rules they check."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
import pytest_asyncio
from sqlalchemy import select

from parta.messaging.v1 import messaging_pb2
from services.messaging.polls.tables import poll_votes, polls
from tests.support.chats import create_chat, join, post, synced, system_channel
from tests.support.http import bearer, ok
from tests.support.platform import Infra, Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens

Tokens = dict[str, Any]


@dataclass
class World:
    platform: Platform
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А
    students: list[Tokens]  # of 5А
    other_class_student: Tokens  # of 6Б
    other_school_admin: Tokens
    class_chat: dict[str, Any]
    channel: dict[str, Any]  # the school channel, joined by the admin, the teacher and the students

    @property
    def admin(self) -> Tokens:
        return self.school.school.admin

    @property
    def http(self) -> Any:
        return self.platform.http


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    operator = await operator_tokens(platform, "+79990000750")
    school = await class_school(platform, operator, 750, "+79120075075", ["5А", "6Б"])
    other = await class_school(platform, operator, 751, "+79120075151", [])
    teacher = await school.member("teacher", who="classteacher")
    response = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{school.classes['5А']}/class-teacher",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert response.status_code == 200, response.text
    students = [await school.member("student", "5А") for _ in range(3)]
    other_student = await school.member("student", "6Б")
    five_a = uuid.UUID(school.classes["5А"])
    await synced(platform, school.id, teacher["user_id"], lambda p: five_a in p.class_teacher_of)
    for student in students:
        await synced(platform, school.id, student["user_id"], lambda p: p.student_class == five_a)
    await synced(platform, school.id, other_student["user_id"], lambda p: p.student_class is not None)
    await synced(platform, other.id, other.school.admin["user_id"], lambda p: p.is_admin)
    class_chat = await create_chat(platform, school.id, teacher, kind="class", class_id=school.classes["5А"])
    for student in students:
        await join(platform, class_chat, student)
    channel = await system_channel(platform, school.id, school.school.admin, "school")
    for member in (school.school.admin, teacher, *students):
        await join(platform, channel, member)
    return World(platform, school, teacher, students, other_student, other.school.admin, class_chat, channel)


def polls_url(chat: dict[str, Any]) -> str:
    return f"/api/v1/chats/{chat['id']}/polls"


def votes_url(chat: dict[str, Any], seq: int) -> str:
    return f"/api/v1/chats/{chat['id']}/messages/{seq}/votes"


async def create_poll(world: World, chat: dict[str, Any], tokens: Tokens, **body: Any) -> dict[str, Any]:
    body.setdefault("question", "Когда проведём собрание?")
    body.setdefault("options", ["Во вторник", "В четверг", "В субботу"])
    return dict(ok(await world.http.post(polls_url(chat), headers=bearer(tokens), json=body), 201))


async def vote(world: World, chat: dict[str, Any], seq: int, tokens: Tokens, options: list[int]) -> Any:
    return await world.http.post(votes_url(chat, seq), headers=bearer(tokens), json={"options": options})


async def message(world: World, chat: dict[str, Any], seq: int, tokens: Tokens) -> dict[str, Any]:
    page = ok(
        await world.http.get(
            f"/api/v1/chats/{chat['id']}/messages",
            headers=bearer(tokens),
            params={"after": seq - 1, "limit": 1},
        )
    )
    return dict(page["messages"][0])


def counts(message: dict[str, Any]) -> list[int]:
    return [option["votes"] for option in message["poll"]["options"]]


async def test_poll_with_one_option_refused(world: World) -> None:
    """R-CHAT-3: a poll offers a choice — at least two options; bad drafts are 400 with the reason."""
    url = polls_url(world.class_chat)
    one = await world.http.post(
        url, headers=bearer(world.teacher), json={"question": "Идём?", "options": ["Да"]}
    )
    assert one.status_code == 400
    assert "не меньше 2" in one.json()["error"]["message"]
    for bad in (
        {"question": "Идём?", "options": [f"вариант {i}" for i in range(11)]},
        {"question": "Идём?", "options": ["Да", "да "]},
        {"question": "Идём?", "options": ["Да", "  "]},
        {"question": "   ", "options": ["Да", "Нет"]},
        {"question": "Идём?", "options": ["Да", "Нет"], "closes_at": "2020-01-01T00:00:00Z"},
    ):
        refused = await world.http.post(url, headers=bearer(world.teacher), json=bad)
        assert refused.status_code == 400, bad


async def test_single_choice_poll_takes_one_option_and_a_revote_replaces_it(world: World) -> None:
    poll = await create_poll(world, world.class_chat, world.teacher)
    assert poll["text"] == "Когда проведём собрание?"
    assert poll["poll"]["question"] == poll["text"]
    assert counts(poll) == [0, 0, 0]
    assert poll["poll"]["may_close"]
    student = world.students[0]
    assert (await vote(world, world.class_chat, poll["seq"], student, [0, 1])).status_code == 400
    assert (await vote(world, world.class_chat, poll["seq"], student, [3])).status_code == 400
    assert (await vote(world, world.class_chat, poll["seq"], student, [])).status_code == 400
    first = ok(await vote(world, world.class_chat, poll["seq"], student, [0]))
    assert (counts(first), first["poll"]["my_choices"], first["poll"]["total_voters"]) == ([1, 0, 0], [0], 1)
    assert not first["poll"]["may_close"]
    again = ok(await vote(world, world.class_chat, poll["seq"], student, [2]))
    assert (counts(again), again["poll"]["my_choices"], again["poll"]["total_voters"]) == ([0, 0, 1], [2], 1)
    ok(await vote(world, world.class_chat, poll["seq"], world.students[1], [2]))
    seen_by_teacher = await message(world, world.class_chat, poll["seq"], world.teacher)
    assert counts(seen_by_teacher) == [0, 0, 2]
    assert seen_by_teacher["poll"]["my_choices"] == []
    retracted = ok(await world.http.delete(votes_url(world.class_chat, poll["seq"]), headers=bearer(student)))
    assert (counts(retracted), retracted["poll"]["my_choices"], retracted["poll"]["total_voters"]) == (
        [0, 0, 1],
        [],
        1,
    )


async def test_multiple_choice_poll_counts_each_voter_once(world: World) -> None:
    poll = await create_poll(
        world,
        world.class_chat,
        world.teacher,
        question="Какие кружки интересны?",
        multiple=True,
        options=["Шахматы", "Робототехника", "Хор"],
    )
    both = ok(await vote(world, world.class_chat, poll["seq"], world.students[0], [0, 1, 1]))
    assert (counts(both), both["poll"]["my_choices"], both["poll"]["total_voters"]) == ([1, 1, 0], [0, 1], 1)
    ok(await vote(world, world.class_chat, poll["seq"], world.students[1], [1, 2]))
    seen = await message(world, world.class_chat, poll["seq"], world.students[2])
    assert (counts(seen), seen["poll"]["total_voters"]) == ([1, 2, 1], 2)


async def test_closed_poll_refuses_votes_and_only_its_author_moderators_and_admins_close_it(
    world: World,
) -> None:
    poll = await create_poll(world, world.class_chat, world.teacher)
    close = f"/api/v1/chats/{world.class_chat['id']}/messages/{poll['seq']}/poll:close"
    ok(await vote(world, world.class_chat, poll["seq"], world.students[0], [1]))
    refused = await world.http.post(close, headers=bearer(world.students[0]))
    assert refused.status_code == 403
    assert refused.json()["error"]["rule"] == "R-MOD-1"
    closed = ok(await world.http.post(close, headers=bearer(world.teacher)))
    assert closed["poll"]["closed"]
    assert closed["poll"]["closed_at"]
    late = await vote(world, world.class_chat, poll["seq"], world.students[1], [0])
    assert late.status_code == 409
    assert late.json()["error"]["rule"] == "R-CHAT-3"
    assert (
        await world.http.delete(votes_url(world.class_chat, poll["seq"]), headers=bearer(world.students[0]))
    ).status_code == 409
    assert counts(await message(world, world.class_chat, poll["seq"], world.students[1])) == [0, 1, 0]
    # The organisation's administrator closes polls in every chat of the organisation (R-MOD-1).
    other = await create_poll(world, world.class_chat, world.teacher)
    other_close = f"/api/v1/chats/{world.class_chat['id']}/messages/{other['seq']}/poll:close"
    assert ok(await world.http.post(other_close, headers=bearer(world.admin)))["poll"]["closed"]


async def test_poll_closes_by_itself_at_its_time(world: World) -> None:
    poll = await create_poll(
        world,
        world.class_chat,
        world.teacher,
        closes_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        anonymous=True,
    )
    assert not poll["poll"]["closed"]
    ok(await vote(world, world.class_chat, poll["seq"], world.students[1], [1]))
    where = (polls.c.chat_id == uuid.UUID(world.class_chat["id"]), polls.c.seq == poll["seq"])
    async with world.platform.messaging.runtime.db.transaction("test_time_passes") as conn:
        await conn.execute(
            polls.update().where(*where).values(closes_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    late = await vote(world, world.class_chat, poll["seq"], world.students[0], [0])
    assert late.status_code == 409
    assert late.json()["error"]["rule"] == "R-CHAT-3"
    shown = await message(world, world.class_chat, poll["seq"], world.students[0])
    assert shown["poll"]["closed"]
    assert counts(shown) == [0, 1, 0]
    # The refused vote found the poll closed by its time and erased its anonymous key, as closing does.
    async with world.platform.messaging.runtime.db.transaction("test_key_gone") as conn:
        assert await conn.scalar(select(polls.c.secret).where(*where)) is None


async def test_anonymous_poll_never_reveals_voters(world: World) -> None:
    poll = await create_poll(
        world, world.class_chat, world.teacher, question="Оцените поездку", anonymous=True
    )
    assert poll["poll"]["anonymous"]
    assert not poll["poll"]["may_list_voters"]
    student = world.students[0]
    ok(await vote(world, world.class_chat, poll["seq"], student, [0]))
    changed = ok(await vote(world, world.class_chat, poll["seq"], student, [1]))  # the voter changes it
    assert (counts(changed), changed["poll"]["my_choices"]) == ([0, 1, 0], [1])
    voters = f"/api/v1/chats/{world.class_chat['id']}/messages/{poll['seq']}/poll/voters"
    for asker in (world.teacher, world.admin, student):
        refused = await world.http.get(voters, headers=bearer(asker))
        assert refused.status_code == 403, refused.text
    # Not even the stored rows name the voter: no person, no time, an opaque key.
    async with world.platform.messaging.runtime.db.transaction("test_anonymous_rows") as conn:
        rows = (
            await conn.execute(
                select(poll_votes).where(
                    poll_votes.c.chat_id == uuid.UUID(world.class_chat["id"]), poll_votes.c.seq == poll["seq"]
                )
            )
        ).all()
    assert len(rows) == 1
    assert (rows[0].user_id, rows[0].voted_at) == (None, None)
    assert student["user_id"] not in rows[0].voter
    # Closing erases the poll's key: from then on nobody can link a vote to a person.
    close = f"/api/v1/chats/{world.class_chat['id']}/messages/{poll['seq']}/poll:close"
    closed = ok(await world.http.post(close, headers=bearer(world.teacher)))
    assert counts(closed) == [0, 1, 0]
    async with world.platform.messaging.runtime.db.transaction("test_anonymous_key") as conn:
        secret = await conn.scalar(
            select(polls.c.secret).where(
                polls.c.chat_id == uuid.UUID(world.class_chat["id"]), polls.c.seq == poll["seq"]
            )
        )
    assert secret is None
    assert (await message(world, world.class_chat, poll["seq"], student))["poll"]["my_choices"] == []


async def test_open_poll_lists_its_voters_to_the_chat(world: World) -> None:
    poll = await create_poll(world, world.class_chat, world.teacher, question="Кто едет на экскурсию?")
    assert poll["poll"]["may_list_voters"]
    ok(await vote(world, world.class_chat, poll["seq"], world.students[0], [0]))
    ok(await vote(world, world.class_chat, poll["seq"], world.students[1], [2]))
    voters = f"/api/v1/chats/{world.class_chat['id']}/messages/{poll['seq']}/poll/voters"
    listed = ok(await world.http.get(voters, headers=bearer(world.students[2])))["voters"]
    assert {(v["user_id"], tuple(v["options"])) for v in listed} == {
        (world.students[0]["user_id"], (0,)),
        (world.students[1]["user_id"], (2,)),
    }
    assert all(v["voted_at"] for v in listed)


async def test_another_schools_member_and_another_class_get_404(world: World) -> None:
    poll = await create_poll(world, world.class_chat, world.teacher)
    base = f"/api/v1/chats/{world.class_chat['id']}/messages/{poll['seq']}"
    for outsider in (world.other_school_admin, world.other_class_student):
        assert (await vote(world, world.class_chat, poll["seq"], outsider, [0])).status_code == 404
        assert (await world.http.delete(f"{base}/votes", headers=bearer(outsider))).status_code == 404
        assert (await world.http.post(f"{base}/poll:close", headers=bearer(outsider))).status_code == 404
        assert (await world.http.get(f"{base}/poll/voters", headers=bearer(outsider))).status_code == 404
        created = await world.http.post(
            polls_url(world.class_chat),
            headers=bearer(outsider),
            json={"question": "?", "options": ["a", "b"]},
        )
        assert created.status_code == 404
    # A message that is not a poll, and one that does not exist: 404.
    text = ok(await post(world.platform, world.class_chat["id"], world.teacher, "просто текст"), 201)
    assert (await vote(world, world.class_chat, text["seq"], world.students[0], [0])).status_code == 404
    assert (await vote(world, world.class_chat, 99999, world.students[0], [0])).status_code == 404


async def test_non_member_cannot_vote_until_they_join(world: World) -> None:
    """R-CHAT-5: someone of the chat's audience who has not joined votes only after joining."""
    newcomer = await world.school.member("student", "5А")
    five_a = uuid.UUID(world.school.classes["5А"])
    await synced(world.platform, world.school.id, newcomer["user_id"], lambda p: p.student_class == five_a)
    poll = await create_poll(world, world.class_chat, world.teacher)
    refused = await vote(world, world.class_chat, poll["seq"], newcomer, [0])
    assert refused.status_code == 409
    assert refused.json()["error"]["rule"] == "R-CHAT-5"
    await join(world.platform, world.class_chat, newcomer)
    assert counts(ok(await vote(world, world.class_chat, poll["seq"], newcomer, [0]))) == [1, 0, 0]


async def test_poll_question_is_not_edited_after_publication(world: World) -> None:
    poll = await create_poll(world, world.class_chat, world.teacher)
    edited = await world.http.patch(
        f"/api/v1/chats/{world.class_chat['id']}/messages/{poll['seq']}",
        headers=bearer(world.teacher),
        json={"text": "Совсем другой вопрос"},
    )
    assert edited.status_code == 400
    # Deleting the message takes its poll away: no votes on a tombstone.
    ok(
        await world.http.delete(
            f"/api/v1/chats/{world.class_chat['id']}/messages/{poll['seq']}", headers=bearer(world.teacher)
        )
    )
    gone = await message(world, world.class_chat, poll["seq"], world.students[0])
    assert gone["deleted"]
    assert gone["poll"] is None
    assert (await vote(world, world.class_chat, poll["seq"], world.students[0], [0])).status_code == 404


async def test_r_chat_2_channel_polls_are_posted_by_administrators_and_answered_by_every_member(
    world: World,
) -> None:
    refused = await world.http.post(
        polls_url(world.channel),
        headers=bearer(world.students[0]),
        json={"question": "Нужна ли продлёнка?", "options": ["Да", "Нет"]},
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["rule"] == "R-CHAT-2"
    survey = await create_poll(
        world, world.channel, world.admin, question="Удобно ли время собраний?", options=["Да", "Нет"]
    )
    for student in world.students:
        ok(await vote(world, world.channel, survey["seq"], student, [0]))
    ok(await vote(world, world.channel, survey["seq"], world.teacher, [1]))
    assert counts(await message(world, world.channel, survey["seq"], world.admin)) == [3, 1]
    # In a channel, who answered what is for the school, not for the other members.
    voters = f"/api/v1/chats/{world.channel['id']}/messages/{survey['seq']}/poll/voters"
    assert (await world.http.get(voters, headers=bearer(world.students[0]))).status_code == 403
    assert len(ok(await world.http.get(voters, headers=bearer(world.admin)))["voters"]) == 4


async def test_seen_count_on_a_channel_post_rises_as_members_mark_read(world: World) -> None:
    channel = world.channel
    posted = ok(await post(world.platform, channel["id"], world.admin, "Завтра сокращённые уроки"), 201)
    readers = [world.teacher, *world.students]

    async def seen() -> int:
        return int((await message(world, channel, posted["seq"], world.admin))["seen_count"])

    assert await seen() == 0
    for expected, reader in enumerate(readers, start=1):
        ok(
            await world.http.post(
                f"/api/v1/chats/{channel['id']}:read", headers=bearer(reader), json={"seq": posted["seq"]}
            )
        )
        assert await seen() == expected
    # Members see the post, not the count; chats other than channels have no count.
    assert (await message(world, channel, posted["seq"], world.students[0]))["seen_count"] is None
    text = ok(await post(world.platform, world.class_chat["id"], world.teacher, "Без счётчика"), 201)
    assert (await message(world, world.class_chat, text["seq"], world.teacher))["seen_count"] is None


async def test_a_page_of_channel_posts_counts_each_post_by_read_marks(world: World) -> None:
    channel = world.channel
    first = ok(await post(world.platform, channel["id"], world.admin, "Первое"), 201)
    second = ok(await post(world.platform, channel["id"], world.admin, "Второе"), 201)
    ok(
        await world.http.post(
            f"/api/v1/chats/{channel['id']}:read",
            headers=bearer(world.students[0]),
            json={"seq": second["seq"]},
        )
    )
    ok(
        await world.http.post(
            f"/api/v1/chats/{channel['id']}:read",
            headers=bearer(world.students[1]),
            json={"seq": first["seq"]},
        )
    )
    page = ok(
        await world.http.get(
            f"/api/v1/chats/{channel['id']}/messages",
            headers=bearer(world.admin),
            params={"after": first["seq"] - 1, "limit": 2},
        )
    )
    # A read mark counts for every post up to it: the first student saw both, the second only the first.
    assert {m["seq"]: m["seen_count"] for m in page["messages"]} == {first["seq"]: 2, second["seq"]: 1}


async def test_a_vote_goes_out_live_with_counts_and_nobodys_choices(world: World, infra: Infra) -> None:
    poll = await create_poll(world, world.class_chat, world.teacher)
    client = await nats.connect(infra.nats.url)
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def on_live(msg: Any) -> None:
        await received.put(msg.data)

    await client.subscribe(f"parta.live.chat.{world.class_chat['id']}", cb=on_live)
    await client.flush()
    ok(await vote(world, world.class_chat, poll["seq"], world.students[2], [1]))
    event = messaging_pb2.LiveChatEvent.FromString(await asyncio.wait_for(received.get(), timeout=5))
    await client.close()
    assert (event.kind, event.message.seq) == (messaging_pb2.LIVE_EVENT_KIND_POLL_UPDATED, poll["seq"])
    assert [o.votes for o in event.message.poll.options] == [0, 1, 0]
    assert list(event.message.poll.my_choices) == []
