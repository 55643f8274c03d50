"""Bad input to messages through the public HTTP API: refused with 400/403/404 and a reason, never a
500, and markup always stays plain text. Only what tests/messaging/test_chats.py does not already
check (there: <script> stays text, 4,001 characters refused on posting, editing another's message,
a reply to seq 999)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from tests.support.chats import create_chat, join, post, synced
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import class_school, operator_tokens

Tokens = dict[str, Any]

IMG = '<img src=x onerror="alert(document.cookie)">'
MARKUP = [
    IMG,
    "<svg/onload=alert(1)>",
    '"><iframe srcdoc="<script>parent.alert(1)</script>">',
    "[ссылка](javascript:alert(1)) &lt;b&gt; &amp; {{7*7}} ${7*7}",
]


@dataclass
class World:
    platform: Platform
    teacher: Tokens
    student: Tokens
    chat: dict[str, Any]
    other_chat: dict[str, Any]

    @property
    def url(self) -> str:
        return f"/api/v1/chats/{self.chat['id']}/messages"


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    operator = await operator_tokens(platform, "+79990000760")
    school = await class_school(platform, operator, 760, "+79120076076", ["5А"])
    teacher = await school.member("teacher", who="classteacher")
    response = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{school.classes['5А']}/class-teacher",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert response.status_code == 200, response.text
    student = await school.member("student", "5А")
    five_a = uuid.UUID(school.classes["5А"])
    await synced(platform, school.id, teacher["user_id"], lambda p: five_a in p.class_teacher_of)
    await synced(platform, school.id, student["user_id"], lambda p: p.student_class == five_a)
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=school.classes["5А"])
    await join(platform, chat, student)
    other_chat = await create_chat(platform, school.id, teacher, kind="other", title="Другой чат")
    return World(platform, teacher, student, chat, other_chat)


@pytest.mark.parametrize("text", ["", " ", "\n\t  \n"])
async def test_r_chat_3_empty_message_refused(world: World, text: str) -> None:
    refused = await post(world.platform, world.chat["id"], world.student, text)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "Пустое сообщение"


async def test_r_chat_3_empty_or_oversize_edit_refused_and_the_message_stays(world: World) -> None:
    mine = ok(await post(world.platform, world.chat["id"], world.student, "черновик"), 201)
    for text in ("", "   ", "я" * 4001):
        refused = await world.platform.http.patch(
            f"{world.url}/{mine['seq']}", headers=bearer(world.student), json={"text": text}
        )
        assert refused.status_code == 400
    page = ok(
        await world.platform.http.get(
            world.url, headers=bearer(world.student), params={"after": mine["seq"] - 1, "limit": 1}
        )
    )
    assert page["messages"][0]["text"] == "черновик"
    assert page["messages"][0]["edited_at"] is None


@pytest.mark.parametrize("text", MARKUP)
async def test_r_chat_3_markup_is_stored_and_returned_as_plain_text_unchanged(
    world: World, text: str
) -> None:
    posted = ok(await post(world.platform, world.chat["id"], world.teacher, text), 201)
    assert posted["text"] == text
    history = ok(
        await world.platform.http.get(
            world.url, headers=bearer(world.student), params={"after": posted["seq"] - 1, "limit": 1}
        )
    )
    assert history["messages"][0]["text"] == text
    mine = ok(await post(world.platform, world.chat["id"], world.student, "обычный текст"), 201)
    edited = ok(
        await world.platform.http.patch(
            f"{world.url}/{mine['seq']}", headers=bearer(world.student), json={"text": text}
        )
    )
    assert edited["text"] == text


async def test_editing_and_deleting_other_peoples_messages_refused_even_with_markup(world: World) -> None:
    teachers = ok(await post(world.platform, world.chat["id"], world.teacher, "Контрольная в пятницу"), 201)
    forbidden = await world.platform.http.patch(
        f"{world.url}/{teachers['seq']}", headers=bearer(world.student), json={"text": IMG}
    )
    assert forbidden.status_code == 403
    # The teacher of the class cannot rewrite a student's words either.
    students = ok(await post(world.platform, world.chat["id"], world.student, "Понял"), 201)
    assert (
        await world.platform.http.patch(
            f"{world.url}/{students['seq']}", headers=bearer(world.teacher), json={"text": "Не понял"}
        )
    ).status_code == 403


async def test_reply_to_a_message_that_is_not_in_this_chat_refused(world: World) -> None:
    """A reply must point at an existing message of the same chat (not one of another chat)."""
    elsewhere = ok(await post(world.platform, world.other_chat["id"], world.teacher, "там"), 201)
    here = ok(
        await world.platform.http.get(f"/api/v1/chats/{world.chat['id']}", headers=bearer(world.teacher))
    )
    seq = here["last_seq"] + 5
    assert elsewhere["seq"] >= 1
    refused = await world.platform.http.post(
        world.url, headers=bearer(world.teacher), json={"text": "ответ", "reply_to_seq": seq}
    )
    assert refused.status_code == 400
    negative = await world.platform.http.post(
        world.url, headers=bearer(world.teacher), json={"text": "ответ", "reply_to_seq": -1}
    )
    assert negative.status_code == 400


async def test_malformed_bodies_and_ids_are_400_or_404_never_500(world: World) -> None:
    http = world.platform.http
    headers = bearer(world.teacher)
    for body in ({}, {"text": None}, {"text": 5}, {"text": ["a"]}, {"text": "a", "reply_to_seq": "x"}):
        assert (await http.post(world.url, headers=headers, json=body)).status_code == 400, body
    assert (await http.post(world.url, headers=headers, content=b"{not json")).status_code == 400
    assert (
        await http.post("/api/v1/chats/not-a-uuid/messages", headers=headers, json={"text": "a"})
    ).status_code == 400
    assert (
        await http.post(f"/api/v1/chats/{uuid.uuid4()}/messages", headers=headers, json={"text": "a"})
    ).status_code == 404
    assert (await http.patch(f"{world.url}/abc", headers=headers, json={"text": "a"})).status_code == 400
    assert (await http.patch(f"{world.url}/999999", headers=headers, json={"text": "a"})).status_code == 404


async def test_a_nul_character_is_refused_not_a_server_error(world: World) -> None:
    """PostgreSQL text cannot hold U+0000: the service refuses it as bad input (400), it does not fail."""
    refused = await post(world.platform, world.chat["id"], world.student, "до\x00после")
    assert refused.status_code == 400
    polled = await world.platform.http.post(
        f"/api/v1/chats/{world.chat['id']}/polls",
        headers=bearer(world.teacher),
        json={"question": "Вопрос", "options": ["да\x00", "нет"]},
    )
    assert polled.status_code == 400


async def test_numbers_beyond_a_sequence_number_are_400_not_a_server_error(world: World) -> None:
    """Sequence numbers are 64-bit: anything larger is bad input (400), whichever way it comes in."""
    http = world.platform.http
    headers = bearer(world.teacher)
    huge = 2**64
    for method, url, body in (
        ("PATCH", f"{world.url}/{huge}", {"text": "a"}),
        ("DELETE", f"{world.url}/{huge}", None),
        ("GET", f"{world.url}?before={huge}", None),
        ("GET", f"{world.url}?after={huge}", None),
        ("POST", world.url, {"text": "a", "reply_to_seq": huge}),
        ("POST", f"/api/v1/chats/{world.chat['id']}:read", {"seq": huge}),
        ("POST", f"{world.url}/{huge}/votes", {"options": [0]}),
        ("POST", f"{world.url}/1/votes", {"options": [huge]}),
        ("DELETE", f"{world.url}/{huge}/votes", None),
        ("POST", f"{world.url}/{huge}/poll:close", None),
        ("GET", f"{world.url}/{huge}/poll/voters", None),
    ):
        response = await http.request(method, url, headers=headers, json=body)
        assert response.status_code == 400, (method, url, body, response.text)
