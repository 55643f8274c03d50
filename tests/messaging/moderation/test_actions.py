"""Moderation through the public HTTP API with every service real (R-MOD-1..5): named after the rules
they check. A class chat of 5А created by its class teacher (its moderator), fresh students per test."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from parta.messaging.v1 import messaging_pb2
from services.messaging.moderation.store import ModerationStore
from tests.support.chats import create_chat, join, post, synced
from tests.support.http import bearer, ok
from tests.support.platform import Infra, Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens

Tokens = dict[str, Any]


@dataclass
class Moderated:
    platform: Platform
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А, creator of the class chat
    maths: Tokens  # a teacher of the school, not of the class chat
    chat: dict[str, Any]  # the class chat of 5А
    other_school_admin: Tokens

    @property
    def id(self) -> str:
        return self.school.id

    @property
    def url(self) -> str:
        return f"/api/v1/chats/{self.chat['id']}"

    async def student(self) -> Tokens:
        """A new student of 5А who has joined the class chat."""
        tokens = await self.school.member("student", "5А")
        five_a = uuid.UUID(self.school.classes["5А"])
        await synced(self.platform, self.id, tokens["user_id"], lambda p: p.student_class == five_a)
        await join(self.platform, self.chat, tokens)
        return tokens

    async def call(self, who: Tokens, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return await self.platform.http.request(method, self.url + path, headers=bearer(who), json=body)

    async def violations(self, student: Tokens, count: int) -> None:
        for _ in range(count):
            body = {"user_id": student["user_id"], "rule": 2, "comment": "Грубость"}
            ok(await self.call(self.teacher, "POST", "/violations", body), 201)


@pytest_asyncio.fixture(scope="module")
async def mod(platform: Platform) -> Moderated:
    operator = await operator_tokens(platform, "+79990000730")
    school = await class_school(platform, operator, 730, "+79120073073", ["5А"])
    other = await class_school(platform, operator, 731, "+79120073131", [])
    teacher = await school.member("teacher", who="classteacher")
    maths = await school.member("teacher", who="maths")
    five_a = school.classes["5А"]
    response = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{five_a}/class-teacher",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert response.status_code == 200, response.text
    await synced(platform, school.id, teacher["user_id"], lambda p: uuid.UUID(five_a) in p.class_teacher_of)
    await synced(platform, school.id, maths["user_id"], lambda p: p.is_staff)
    await synced(platform, other.id, other.school.admin["user_id"], lambda p: p.is_admin)
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=five_a)
    return Moderated(platform, school, teacher, maths, chat, other.school.admin)


def refused(response: Any, status: int, rule: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error.get("rule") == rule, error
    return str(error["message"])


async def test_r_mod_1_the_creator_names_staff_members_moderators_but_not_students(mod: Moderated) -> None:
    """R-MOD-1: the creator moderates; more moderators are named among the chat's staff members."""
    http, school = mod.platform.http, mod.school
    student = await mod.student()
    chat = await create_chat(mod.platform, mod.id, mod.teacher, kind="other", title="Кружок робототехники")
    invited = ok(
        await http.post(
            f"/api/v1/chats/{chat['id']}/invitations",
            headers=bearer(mod.teacher),
            json={"user_ids": [mod.maths["user_id"], student["user_id"]]},
        ),
        201,
    )
    for invitation, who in zip(invited["invitations"], (mod.maths, student), strict=True):
        ok(
            await http.post(
                f"/api/v1/chat-invitations/{invitation['id']}:accept",
                headers=bearer(who),
                json={"rules_version": 1},
            )
        )
    moderators = f"/api/v1/chats/{chat['id']}/moderators"
    # A member who is no moderator names nobody; a student is never named.
    response = await http.post(moderators, headers=bearer(student), json={"user_id": mod.maths["user_id"]})
    assert response.status_code == 403, response.text
    refused(
        await http.post(moderators, headers=bearer(mod.teacher), json={"user_id": student["user_id"]}),
        409,
        "R-MOD-1",
    )
    named = ok(
        await http.post(moderators, headers=bearer(mod.teacher), json={"user_id": mod.maths["user_id"]})
    )
    assert (named["user_id"], named["named_by"]) == (mod.maths["user_id"], mod.teacher["user_id"])
    # The named moderator moderates: records a violation.
    violation = ok(
        await http.post(
            f"/api/v1/chats/{chat['id']}/violations",
            headers=bearer(mod.maths),
            json={"user_id": student["user_id"], "rule": 2},
        ),
        201,
    )
    assert violation["recorded_by"] == mod.maths["user_id"]
    # The organisation's administrator sees the audit log of a chat they are not in; another school does not.
    audit = ok(await http.get(f"/api/v1/chats/{chat['id']}/audit", headers=school.admin))["entries"]
    assert [e["action"] for e in audit] == ["violation.recorded", "moderator.named"]
    response = await http.get(f"/api/v1/chats/{chat['id']}/audit", headers=bearer(mod.other_school_admin))
    assert response.status_code == 404


async def test_r_mod_1_a_moderator_deletes_a_message_citing_a_rule_and_the_tombstone_keeps_who_and_why(
    mod: Moderated, infra: Infra
) -> None:
    student = await mod.student()
    posted = ok(await post(mod.platform, mod.chat["id"], student, "Реклама: купите слона"), 201)
    client = await nats.connect(infra.nats.url)
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def on_live(msg: Any) -> None:
        await received.put(msg.data)

    await client.subscribe(f"parta.live.chat.{mod.chat['id']}", cb=on_live)
    await client.flush()
    path = f"/messages/{posted['seq']}:remove"
    # A member who is no moderator cannot; a rule the chat lacks, or no reason, is bad input.
    assert (await mod.call(student, "POST", path, {"rule": 3, "reason": "Спам"})).status_code == 403
    assert (await mod.call(mod.teacher, "POST", path, {"rule": 99, "reason": "Спам"})).status_code == 400
    assert (await mod.call(mod.teacher, "POST", path, {"rule": 3})).status_code == 400
    assert (await mod.call(mod.teacher, "POST", path, {"rule": 3, "reason": "   "})).status_code == 400
    removed = ok(await mod.call(mod.teacher, "POST", path, {"rule": 3, "reason": "Реклама"}))
    assert removed["deleted"]
    assert (removed["deleted_by"], removed["delete_rule"], removed["delete_reason"]) == (
        mod.teacher["user_id"],
        3,
        "Реклама",
    )
    event = messaging_pb2.LiveChatEvent.FromString(await asyncio.wait_for(received.get(), timeout=5))
    await client.close()
    assert (event.kind, event.message.seq, event.message.text) == (
        messaging_pb2.LIVE_EVENT_KIND_MESSAGE_DELETED,
        posted["seq"],
        "",
    )
    assert (event.message.deleted_by, event.message.delete_rule) == (mod.teacher["user_id"], 3)
    page = ok(await mod.call(student, "GET", f"/messages?after={posted['seq'] - 1}&limit=1"))
    assert page["messages"][0]["deleted"]
    assert page["messages"][0]["text"] == ""
    # History keeps who removed it and why, for everyone in the chat (R-MOD-5).
    assert (page["messages"][0]["deleted_by"], page["messages"][0]["delete_rule"]) == (
        mod.teacher["user_id"],
        3,
    )


async def test_r_mod_2_a_violation_cites_a_rule_of_the_chat_and_the_member_is_reminded(
    mod: Moderated,
) -> None:
    student, classmate = await mod.student(), await mod.student()
    body = {"user_id": student["user_id"], "rule": 2, "comment": "Оскорбил одноклассника"}
    assert (await mod.call(classmate, "POST", "/violations", body)).status_code == 403
    assert (await mod.call(mod.teacher, "POST", "/violations", {**body, "rule": 7})).status_code == 400
    assert (await mod.call(mod.teacher, "POST", "/violations", {**body, "rule": 0})).status_code == 400
    recorded = ok(await mod.call(mod.teacher, "POST", "/violations", body), 201)
    assert (recorded["rule"], recorded["rule_text"]) == (2, mod.chat["rules"][1])
    # The reminder: the member reads their own violations with the rule's text.
    mine = ok(await mod.call(student, "GET", "/violations"))["violations"]
    assert [(v["rule"], v["rule_text"], v["comment"]) for v in mine] == [
        (2, mod.chat["rules"][1], "Оскорбил одноклассника")
    ]
    assert ok(await mod.call(classmate, "GET", "/violations"))["violations"] == []
    response = await mod.call(classmate, "GET", f"/violations?user_id={student['user_id']}")
    assert response.status_code == 403
    theirs = ok(await mod.call(mod.teacher, "GET", f"/violations?user_id={student['user_id']}"))
    assert len(theirs["violations"]) == 1


async def test_block_refused_with_three_violations(mod: Moderated) -> None:
    """R-MOD-3: three recorded violations are not "more than three": FAILED_PRECONDITION."""
    student = await mod.student()
    await mod.violations(student, 3)
    body = {"user_id": student["user_id"], "days": 7, "reason": "Три нарушения"}
    refused(await mod.call(mod.teacher, "POST", "/blocks", body), 409, "R-MOD-3")
    ok(await post(mod.platform, mod.chat["id"], student, "Я всё ещё пишу"), 201)


async def test_block_refused_for_31_days(mod: Moderated) -> None:
    """R-MOD-3: at most one month (30 days), whatever the number of violations."""
    student = await mod.student()
    await mod.violations(student, 5)
    body = {"user_id": student["user_id"], "days": 31, "reason": "Пять нарушений"}
    refused(await mod.call(mod.teacher, "POST", "/blocks", body), 409, "R-MOD-3")
    ok(await mod.call(mod.teacher, "POST", "/blocks", {**body, "days": 30}), 201)


async def test_block_allowed_after_four_violations_for_7_days(mod: Moderated) -> None:
    """R-MOD-3: more than three violations, 7 days: the member cannot write until it ends."""
    student = await mod.student()
    await mod.violations(student, 4)
    body = {"user_id": student["user_id"], "days": 7, "reason": "Четыре нарушения правил 2"}
    assert (await mod.call(student, "POST", "/blocks", body)).status_code == 403
    block = ok(await mod.call(mod.teacher, "POST", "/blocks", body), 201)
    assert block["active"]
    assert block["blocked_by"] == mod.teacher["user_id"]
    ends = datetime.fromisoformat(block["ends_at"].replace("Z", "+00:00"))
    starts = datetime.fromisoformat(block["starts_at"].replace("Z", "+00:00"))
    assert ends - starts == timedelta(days=7)
    message = refused(await post(mod.platform, mod.chat["id"], student, "Можно?"), 409, "R-MOD-3")
    assert ends.strftime("%Y-%m-%d") in message
    # A second block while one holds is a duplicate.
    assert (await mod.call(mod.teacher, "POST", "/blocks", body)).status_code == 409


async def test_r_mod_4_a_moderator_unblocks_early_with_a_reason(mod: Moderated) -> None:
    """R-MOD-4: a moderator may lift a block early (the member apologised), with a reason."""
    student = await mod.student()
    await mod.violations(student, 4)
    body = {"user_id": student["user_id"], "days": 14, "reason": "Четыре нарушения"}
    ok(await mod.call(mod.teacher, "POST", "/blocks", body), 201)
    lift = f"/blocks/{student['user_id']}:lift"
    assert (await mod.call(mod.teacher, "POST", lift, {})).status_code == 400
    assert (await mod.call(student, "POST", lift, {"reason": "Я извинился"})).status_code == 403
    lifted = ok(await mod.call(mod.teacher, "POST", lift, {"reason": "Извинился, никто не возражает"}))
    assert not lifted["active"]
    assert (lifted["lifted_by"], lifted["lift_reason"]) == (
        mod.teacher["user_id"],
        "Извинился, никто не возражает",
    )
    ok(await post(mod.platform, mod.chat["id"], student, "Простите, больше не буду"), 201)
    assert (await mod.call(mod.teacher, "POST", lift, {"reason": "Ещё раз"})).status_code == 404


async def test_blocks_holding_now_are_listed_to_moderators_and_to_the_blocked_member_only(
    mod: Moderated,
) -> None:
    """R-MOD-3: moderators list the blocks holding now; a member sees only their own (their composer
    says until when); asking for someone else's is refused; a lifted block is not listed (R-MOD-4)."""
    student, bystander = await mod.student(), await mod.student()
    await mod.violations(student, 4)
    body = {"user_id": student["user_id"], "days": 7, "reason": "Четыре нарушения"}
    block = ok(await mod.call(mod.teacher, "POST", "/blocks", body), 201)
    listed = ok(await mod.call(mod.teacher, "GET", f"/blocks?user_id={student['user_id']}"))["blocks"]
    assert [(b["id"], b["ends_at"], b["active"]) for b in listed] == [(block["id"], block["ends_at"], True)]
    assert block["id"] in [b["id"] for b in ok(await mod.call(mod.teacher, "GET", "/blocks"))["blocks"]]
    mine = ok(await mod.call(student, "GET", "/blocks"))["blocks"]
    assert [b["id"] for b in mine] == [block["id"]]
    assert ok(await mod.call(bystander, "GET", "/blocks"))["blocks"] == []
    sneaky = await mod.call(bystander, "GET", f"/blocks?user_id={student['user_id']}")
    assert sneaky.status_code == 403
    assert (await mod.call(mod.other_school_admin, "GET", "/blocks")).status_code == 404
    lift = f"/blocks/{student['user_id']}:lift"
    ok(await mod.call(mod.teacher, "POST", lift, {"reason": "Извинился"}))
    assert ok(await mod.call(student, "GET", "/blocks"))["blocks"] == []


async def test_r_mod_3_a_block_lifts_itself_when_it_ends(mod: Moderated) -> None:
    """R-MOD-3: no job lifts a block; every check compares its end with now."""
    student = await mod.student()
    chat_id, user_id = uuid.UUID(mod.chat["id"]), uuid.UUID(student["user_id"])
    now = datetime.now(UTC)
    store = ModerationStore()
    async with mod.platform.messaging.runtime.db.transaction("test_block") as conn:
        await store.insert_block(
            conn,
            chat_id=chat_id,
            user_id=user_id,
            blocked_by=uuid.UUID(mod.teacher["user_id"]),
            reason="Блокировка прошлого месяца",
            starts_at=now - timedelta(days=30),
            ends_at=now - timedelta(seconds=1),
        )
    ok(await post(mod.platform, mod.chat["id"], student, "Блокировка кончилась"), 201)
    async with mod.platform.messaging.runtime.db.transaction("test_block") as conn:
        await store.insert_block(
            conn,
            chat_id=chat_id,
            user_id=user_id,
            blocked_by=uuid.UUID(mod.teacher["user_id"]),
            reason="Короткая блокировка",
            starts_at=now,
            ends_at=datetime.now(UTC) + timedelta(seconds=1.5),
        )
    refused(await post(mod.platform, mod.chat["id"], student, "Ещё рано"), 409, "R-MOD-3")
    await asyncio.sleep(1.6)
    ok(await post(mod.platform, mod.chat["id"], student, "Теперь можно"), 201)


async def test_r_mod_5_removal_cites_a_rule_and_drops_the_member_live(mod: Moderated, infra: Infra) -> None:
    student = await mod.student()
    path = f"/members/{student['user_id']}:remove"
    assert (await mod.call(mod.teacher, "POST", path, {"reason": "Грубость"})).status_code == 400
    assert (await mod.call(mod.teacher, "POST", path, {"rule": 2})).status_code == 400
    assert (await mod.call(mod.teacher, "POST", path, {"rule": 42, "reason": "Грубость"})).status_code == 400
    client = await nats.connect(infra.nats.url)
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def on_live(msg: Any) -> None:
        await received.put(msg.data)

    await client.subscribe(f"parta.live.chat.{mod.chat['id']}", cb=on_live)
    await client.flush()
    entry = ok(await mod.call(mod.teacher, "POST", path, {"rule": 2, "reason": "Грубость после блокировки"}))
    assert (entry["action"], entry["target_user_id"], entry["rule"]) == (
        "member.removed",
        student["user_id"],
        2,
    )

    async def after_the_join() -> messaging_pb2.LiveChatEvent:
        """The first event that is not the student's own join (its live event may come this late)."""
        while True:
            event = messaging_pb2.LiveChatEvent.FromString(await received.get())
            if event.kind != messaging_pb2.LIVE_EVENT_KIND_MEMBER_JOINED:
                return event

    event = await asyncio.wait_for(after_the_join(), timeout=5)
    await client.close()
    assert (event.kind, event.user_id) == (messaging_pb2.LIVE_EVENT_KIND_MEMBER_REMOVED, student["user_id"])
    members = ok(await mod.call(mod.teacher, "GET", "/members"))["members"]
    assert student["user_id"] not in {m["user_id"] for m in members}
    refused(await mod.call(student, "GET", "/messages"), 409, "R-CHAT-5")
    assert (await mod.call(mod.teacher, "POST", path, {"rule": 2, "reason": "Ещё раз"})).status_code == 404


async def test_r_mod_5_the_audit_log_keeps_every_action_pages_and_is_append_only(mod: Moderated) -> None:
    student = await mod.student()
    for rule in (1, 2, 3):
        body = {"user_id": student["user_id"], "rule": rule, "comment": f"Правило {rule}"}
        ok(await mod.call(mod.teacher, "POST", "/violations", body), 201)
    first = ok(await mod.call(mod.teacher, "GET", "/audit?limit=2"))
    assert [(e["action"], e["rule"], e["reason"]) for e in first["entries"]] == [
        ("violation.recorded", 3, "Правило 3"),
        ("violation.recorded", 2, "Правило 2"),
    ]
    entry = first["entries"][0]
    assert (entry["actor_id"], entry["target_user_id"]) == (mod.teacher["user_id"], student["user_id"])
    seen = [e["id"] for e in first["entries"]]
    before = first["next_before"]
    while before:
        page = ok(await mod.call(mod.teacher, "GET", f"/audit?limit=2&before={before}"))
        seen += [e["id"] for e in page["entries"]]
        before = page["next_before"]
    assert seen == sorted(set(seen), reverse=True)
    everything = ok(await mod.call(mod.teacher, "GET", "/audit?limit=100"))
    assert [e["id"] for e in everything["entries"]] == seen
    assert everything["next_before"] is None
    # Members who are no moderators, and other schools, do not see it.
    assert (await mod.call(student, "GET", "/audit")).status_code == 403
    assert (await mod.call(mod.other_school_admin, "GET", "/audit")).status_code == 404
    assert (await mod.call(mod.maths, "GET", "/audit")).status_code == 404
    # The school's administrator does.
    response = await mod.platform.http.get(mod.url + "/audit", headers=mod.school.admin)
    assert response.status_code == 200
    # Append-only, whatever the code: the database refuses to change or drop an entry.
    for statement in ("UPDATE moderation_audit SET reason = 'x'", "DELETE FROM moderation_audit"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with mod.platform.messaging.runtime.db.transaction("test_audit") as conn:
                await conn.execute(text(statement))
