"""Chat invite links through the public HTTP API, every service real (R-CHAT-6: members join a chat
by a chat invite link from its teacher; R-CHAT-4/5: joining is voluntary and acknowledges the rules).
A class chat and a parents' chat of 5А created by its class teacher (their moderator)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest_asyncio
from sqlalchemy import text

from services.messaging.links.store import ChatLinkStore
from tests.support.chats import create_chat, join, school_with_class_teacher, synced
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import ClassSchool

Tokens = dict[str, Any]


@dataclass
class Linked:
    platform: Platform
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А, creator of both chats
    chat: dict[str, Any]  # the class chat of 5А
    parents_chat: dict[str, Any]  # the parents' chat of 5А
    other_school_admin: Tokens

    @property
    def admin(self) -> Tokens:
        return self.school.school.admin

    async def student(self) -> Tokens:
        """A new student of 5А, not yet in any chat."""
        tokens = await self.school.member("student", "5А")
        five_a = uuid.UUID(self.school.classes["5А"])
        await synced(self.platform, self.school.id, tokens["user_id"], lambda p: p.student_class == five_a)
        return tokens

    async def make_link(
        self, who: Tokens | None = None, chat: dict[str, Any] | None = None, **body: Any
    ) -> Any:
        return await self.platform.http.post(
            f"/api/v1/chats/{(chat or self.chat)['id']}/links", headers=bearer(who or self.teacher), json=body
        )

    async def link(self, chat: dict[str, Any] | None = None, **body: Any) -> dict[str, Any]:
        return dict(ok(await self.make_link(chat=chat, **body), 201))

    async def links(self, chat: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        response = await self.platform.http.get(
            f"/api/v1/chats/{(chat or self.chat)['id']}/links", headers=bearer(self.teacher)
        )
        return list(ok(response)["links"])

    async def preview(self, who: Tokens, token: str) -> Any:
        return await self.platform.http.get(f"/api/v1/chat-links/{token}", headers=bearer(who))

    async def join(self, who: Tokens, token: str, rules_version: int = 1) -> Any:
        return await self.platform.http.post(
            f"/api/v1/chat-links/{token}/join", headers=bearer(who), json={"rules_version": rules_version}
        )

    async def sql(self, statement: str, **params: Any) -> None:
        async with self.platform.messaging.runtime.db.transaction("test_sql") as conn:
            await conn.execute(text(statement), params)


def refused(response: Any, status: int, rule: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["rule"] == rule, error
    assert rule not in error["message"]  # people read the reason; the code stays in error.rule
    return str(error["message"])


@pytest_asyncio.fixture(scope="module")
async def w(platform: Platform) -> Linked:
    base = await school_with_class_teacher(platform, 770, "+79120077077", "+79120077171", ["5А"])
    school, other, teacher = base.school, base.other, base.teacher
    five_a = school.classes["5А"]
    chat = await create_chat(
        platform, school.id, teacher, kind="class", class_id=five_a, rules=["Пишем по делу", "Без грубости"]
    )
    parents = await create_chat(platform, school.id, teacher, kind="parents", class_id=five_a)
    return Linked(platform, school, teacher, chat, parents, other.school.admin)


async def test_chat_link_join_acknowledges_rules(w: Linked) -> None:
    created = await w.link(expires_in_days=3, max_uses=10)
    token = created["token"]
    assert created["url"].endswith(f"/chat-link/{token}")
    assert created["link"]["active"]
    assert created["link"]["max_uses"] == 10
    assert created["link"]["uses"] == 0
    student = await w.student()

    preview = ok(await w.preview(student, token))
    assert preview["title"] == w.chat["title"]
    assert preview["kind"] == "class"
    assert preview["rules"] == ["Пишем по делу", "Без грубости"]
    assert preview["rules_version"] == 1
    assert preview["organisation_name"]
    assert (preview["member"], preview["organisation_member"]) == (False, True)
    assert not {"members", "member_count", "user_ids"} & set(preview)

    refused(await w.join(student, token, rules_version=2), 409, "R-CHAT-5")  # not the current rules
    joined = ok(await w.join(student, token, rules_version=1))
    assert joined["id"] == w.chat["id"]
    assert joined["member"] is True
    members = ok(await w.platform.http.get(f"/api/v1/chats/{w.chat['id']}/members", headers=bearer(student)))
    mine = next(m for m in members["members"] if m["user_id"] == student["user_id"])
    assert mine["rules_version"] == 1
    ok(await w.join(student, token))  # again: nothing changes, no second use counted
    listed = next(link for link in await w.links() if link["id"] == created["link"]["id"])
    assert listed["uses"] == 1
    assert all("token" not in link for link in await w.links())


async def test_expired_link_is_refused_naming_r_chat_6(w: Linked) -> None:
    created = await w.link()
    await w.sql(
        "UPDATE chat_links SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day' "
        "WHERE id = :id",
        id=uuid.UUID(created["link"]["id"]),
    )
    student = await w.student()
    assert "истёк" in refused(await w.join(student, created["token"]), 409, "R-CHAT-6")
    refused(await w.preview(student, created["token"]), 409, "R-CHAT-6")
    assert not next(link for link in await w.links() if link["id"] == created["link"]["id"])["active"]


async def test_link_expiry_is_seven_days_by_default_and_at_most_thirty(w: Linked) -> None:
    created = await w.link()
    made = datetime.fromisoformat(created["link"]["created_at"].replace("Z", "+00:00"))
    ends = datetime.fromisoformat(created["link"]["expires_at"].replace("Z", "+00:00"))
    assert ends - made == timedelta(days=7)
    assert (await w.make_link(expires_in_days=31)).status_code in (400, 422)


async def test_revoked_link_is_refused_and_revoke_all_ends_every_usable_link(w: Linked) -> None:
    first, second, third = await w.link(), await w.link(), await w.link()
    revoked = ok(
        await w.platform.http.delete(
            f"/api/v1/chats/{w.chat['id']}/links/{first['link']['id']}", headers=bearer(w.teacher)
        )
    )
    assert revoked["revoked"] is True
    assert revoked["active"] is False
    student = await w.student()
    assert "отозвана" in refused(await w.join(student, first["token"]), 409, "R-CHAT-6")

    everything = ok(
        await w.platform.http.delete(f"/api/v1/chats/{w.chat['id']}/links", headers=bearer(w.teacher))
    )
    assert everything["revoked"] >= 2  # second, third and any usable link of earlier tests
    for link in (second, third):
        refused(await w.join(student, link["token"]), 409, "R-CHAT-6")
    assert not any(link["active"] for link in await w.links())
    # A link of another chat is not found under this one.
    other = await w.link(chat=w.parents_chat)
    missing = await w.platform.http.delete(
        f"/api/v1/chats/{w.chat['id']}/links/{other['link']['id']}", headers=bearer(w.teacher)
    )
    assert missing.status_code == 404, missing.text


async def test_use_limit_holds_under_concurrent_joins(w: Linked) -> None:
    created = await w.link(max_uses=2)
    students = [await w.student() for _ in range(5)]
    responses = await asyncio.gather(*(w.join(student, created["token"]) for student in students))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 200, 409, 409, 409], [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["rule"] == "R-CHAT-6"
    listed = next(link for link in await w.links() if link["id"] == created["link"]["id"])
    assert (listed["uses"], listed["active"]) == (2, False)
    members = ok(
        await w.platform.http.get(f"/api/v1/chats/{w.chat['id']}/members", headers=bearer(w.teacher))
    )
    joined = {m["user_id"] for m in members["members"]} & {s["user_id"] for s in students}
    assert len(joined) == 2


async def test_two_transactions_racing_for_the_last_use_count_it_once(w: Linked) -> None:
    created = await w.link(max_uses=1)
    link_id = uuid.UUID(created["link"]["id"])
    store = ChatLinkStore()
    db = w.platform.messaging.runtime.db
    first_counted = asyncio.Event()

    async def first() -> bool:
        async with db.transaction("test_first_use") as conn:
            counted = await store.count_link_use(conn, link_id)
            first_counted.set()
            await asyncio.sleep(0.2)  # keep the row locked while the second one asks
            return counted

    async def second() -> bool:
        await first_counted.wait()
        async with db.transaction("test_second_use") as conn:
            return await store.count_link_use(conn, link_id)

    assert await asyncio.gather(first(), second()) == [True, False]
    listed = next(link for link in await w.links() if link["id"] == created["link"]["id"])
    assert listed["uses"] == 1


async def test_a_non_member_of_the_organisation_is_refused_naming_r_chat_6(w: Linked) -> None:
    created = await w.link()
    outsider = await w.platform.sign_in(f"outsider-{uuid.uuid4().hex[:6]}@links.example")
    for who in (w.other_school_admin, outsider):
        preview = ok(await w.preview(who, created["token"]))
        assert preview["organisation_member"] is False
        assert "участником школы" in refused(await w.join(who, created["token"]), 409, "R-CHAT-6")
    listed = next(link for link in await w.links() if link["id"] == created["link"]["id"])
    assert listed["uses"] == 0


async def test_a_link_to_a_chat_of_another_kind_is_refused(w: Linked) -> None:
    created = await w.link(chat=w.parents_chat)
    student = await w.student()
    refused(await w.join(student, created["token"], w.parents_chat["rules_version"]), 403, "R-CHAT-1")
    mine = ok(await w.platform.http.get("/api/v1/chats", headers=bearer(student)))["chats"]
    assert w.parents_chat["id"] not in {c["id"] for c in mine}


async def test_a_blocked_member_cannot_rejoin_by_link_while_blocked(w: Linked) -> None:
    student = await w.student()
    await join(w.platform, w.chat, student)
    url = f"/api/v1/chats/{w.chat['id']}"
    for _ in range(4):
        body = {"user_id": student["user_id"], "rule": 2, "comment": "Грубость"}
        ok(await w.platform.http.post(url + "/violations", headers=bearer(w.teacher), json=body), 201)
    block = {"user_id": student["user_id"], "days": 7, "reason": "Четыре нарушения"}
    ok(await w.platform.http.post(url + "/blocks", headers=bearer(w.teacher), json=block), 201)
    removal = {"rule": 2, "reason": "Грубость"}
    ok(
        await w.platform.http.post(
            url + f"/members/{student['user_id']}:remove", headers=bearer(w.teacher), json=removal
        )
    )
    created = await w.link()
    refused(await w.join(student, created["token"]), 409, "R-MOD-3")
    lift = {"reason": "Извинился"}
    ok(
        await w.platform.http.post(
            url + f"/blocks/{student['user_id']}:lift", headers=bearer(w.teacher), json=lift
        )
    )
    assert ok(await w.join(student, created["token"]))["member"] is True


async def test_who_may_create_links_the_chats_moderators_and_the_administrator(w: Linked) -> None:
    student = await w.student()
    await join(w.platform, w.chat, student)
    assert (await w.make_link(w.teacher)).status_code == 201  # the creator, its moderator (R-MOD-1)
    assert (await w.make_link(w.admin)).status_code == 201  # the organisation's administrator
    refused(await w.make_link(student), 403, "R-MOD-1")  # a member, not a moderator
    assert (await w.make_link(w.other_school_admin)).status_code == 404  # not theirs to see
    maths = await w.school.member("teacher", who="maths")
    await synced(w.platform, w.school.id, maths["user_id"], lambda p: p.is_staff)
    assert (await w.make_link(maths)).status_code == 404  # outside the class chat's audience
    listing = await w.platform.http.get(f"/api/v1/chats/{w.chat['id']}/links", headers=bearer(student))
    assert listing.status_code == 403
    revoking = await w.platform.http.delete(f"/api/v1/chats/{w.chat['id']}/links", headers=bearer(student))
    assert revoking.status_code == 403


async def test_unknown_tokens_are_not_found_and_guessing_is_rate_limited(w: Linked) -> None:
    """R-CHAT-6: one client retyping one wrong link (one prefix) waits past 20 failures, with
    retry_after; a valid link from the same address (a school behind one NAT) is still honoured, and
    another client's wrong link is only «not found»."""
    student = await w.student()
    created = await w.link()
    try:
        for n in range(21):
            response = await w.preview(student, f"guess-{n}")
            assert response.status_code == 404, response.text
            assert response.json()["error"]["message"].startswith("Ссылка-приглашение")
        limited = await w.join(student, "guess-last")
        assert (limited.status_code, limited.json()["error"]["rule"]) == (429, "R-CHAT-6")
        assert "R-CHAT" not in limited.json()["error"]["message"]
        assert int(limited.headers["retry-after"]) >= 1
        joined = ok(await w.join(student, created["token"]))
        assert joined["member"] is True
        assert (await w.preview(student, "other-wrong")).status_code == 404
    finally:
        await w.sql("DELETE FROM chat_link_failures")
