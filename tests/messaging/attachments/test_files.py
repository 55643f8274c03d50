"""Attachments through the public HTTP API with every service real (R-CHAT-3: messages carry files):
upload to a chat, attach to a message, download and thumbnails, the allow-list and size limits, and
who may see a file (members of the chat now; another school gets 404). Named after what they check."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest_asyncio
from PIL import Image
from sqlalchemy import select, update

from services.messaging.attachments.tables import attachments
from tests.support.chats import create_chat, join, school_with_class_teacher, synced, system_channel
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import ClassSchool

Tokens = dict[str, Any]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@dataclass
class World:
    platform: Platform
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А, creator (moderator) of the class chat
    students: list[Tokens]  # of 5А, in the class chat
    outsider_student: Tokens  # of 5А, not in the class chat
    chat: dict[str, Any]  # the class chat of 5А
    other_chat: dict[str, Any]  # another chat of the teacher
    other_school_admin: Tokens

    async def upload(
        self, who: Tokens, content: bytes, name: str = "файл.pdf", chat: dict[str, Any] | None = None
    ) -> Any:
        return await self.platform.http.post(
            f"/api/v1/chats/{(chat or self.chat)['id']}/attachments",
            headers={**bearer(who), "X-Filename": quote(name), "Content-Type": "application/octet-stream"},
            content=content,
        )

    async def post(self, who: Tokens, text: str, ids: list[str], chat: dict[str, Any] | None = None) -> Any:
        return await self.platform.http.post(
            f"/api/v1/chats/{(chat or self.chat)['id']}/messages",
            headers=bearer(who),
            json={"text": text, "attachment_ids": ids},
        )

    async def download(self, who: Tokens, attachment_id: str, thumbnail: bool = False) -> Any:
        path = f"/api/v1/attachments/{attachment_id}" + ("/thumbnail" if thumbnail else "")
        return await self.platform.http.get(path, headers=bearer(who))


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    base = await school_with_class_teacher(platform, 760, "+79120076076", "+79120076176", ["5А"])
    school, other, teacher = base.school, base.other, base.teacher
    five_a = school.classes["5А"]
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=five_a)
    other_chat = await create_chat(platform, school.id, teacher, kind="other", title="Кружок")
    students = []
    for _ in range(3):
        student = await school.member("student", "5А")
        await synced(platform, school.id, student["user_id"], lambda p: p.student_class == uuid.UUID(five_a))
        students.append(student)
    for student in students[:2]:
        await join(platform, chat, student)
    return World(platform, school, teacher, students[:2], students[2], chat, other_chat, other.school.admin)


def refused(response: Any, status: int, says: str = "", rule: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert says in error["message"], error
    if rule is not None:
        assert error.get("rule") == rule, error


async def test_r_chat_3_a_member_attaches_a_document_and_another_member_downloads_it(world: World) -> None:
    student, classmate = world.students
    uploaded = ok(await world.upload(student, PDF, "Доклад о «Слове о полку».pdf"), 201)
    assert (uploaded["kind"], uploaded["content_type"], uploaded["size"]) == (
        "document",
        "application/pdf",
        len(PDF),
    )
    assert uploaded["name"] == "Доклад о «Слове о полку».pdf"
    assert not uploaded["has_thumbnail"]

    # Attachments only: the text may be empty (R-CHAT-3).
    posted = ok(await world.post(student, "", [uploaded["id"]]), 201)
    assert posted["text"] == ""
    assert [a["id"] for a in posted["attachments"]] == [uploaded["id"]]

    history = ok(
        await world.platform.http.get(f"/api/v1/chats/{world.chat['id']}/messages", headers=bearer(classmate))
    )
    shown = next(m for m in history["messages"] if m["seq"] == posted["seq"])
    assert shown["attachments"][0]["name"] == uploaded["name"]

    response = await world.download(classmate, uploaded["id"])
    assert response.status_code == 200, response.text
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment; ")
    assert "filename*=UTF-8''" + quote(uploaded["name"], safe="") in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["cache-control"].startswith("private")


async def test_a_message_without_text_needs_attachments(world: World) -> None:
    refused(await world.post(world.students[0], "  ", []), 400, "Пустое сообщение")


async def test_an_image_gets_a_thumbnail_of_at_most_320_pixels_and_its_size(world: World) -> None:
    student = world.students[0]
    uploaded = ok(await world.upload(student, png(1280, 960), "доска.png"), 201)
    assert (uploaded["kind"], uploaded["width"], uploaded["height"]) == ("image", 1280, 960)
    assert uploaded["has_thumbnail"]
    posted = ok(await world.post(student, "Фото доски", [uploaded["id"]]), 201)
    attachment = posted["attachments"][0]
    assert attachment["thumbnail_url"] == f"/api/v1/attachments/{uploaded['id']}/thumbnail"

    response = await world.download(world.teacher, uploaded["id"], thumbnail=True)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(response.content)) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (320, 240))
    full = await world.download(world.teacher, uploaded["id"])
    assert full.headers["content-disposition"].startswith("inline; ")
    with Image.open(io.BytesIO(full.content)) as image:
        assert image.size == (1280, 960)


async def test_the_type_comes_from_the_bytes_not_from_the_name(world: World) -> None:
    uploaded = ok(await world.upload(world.students[0], b"just some notes\n", "notes.exe"), 201)
    assert (uploaded["content_type"], uploaded["name"]) == ("text/plain", "notes.exe.txt")
    response = await world.download(world.students[0], uploaded["id"])
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def test_an_oversize_image_is_refused_before_it_is_stored(world: World) -> None:
    too_big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024)
    refused(await world.upload(world.students[0], too_big, "огромное.png"), 400, "не больше 10 МБ")

    # Without a declared size (chunked), the bytes are counted as they come and stopped at the limit.
    async def chunked() -> AsyncIterator[bytes]:
        for start in range(0, len(too_big), 1024 * 1024):
            yield too_big[start : start + 1024 * 1024]

    response = await world.platform.http.post(
        f"/api/v1/chats/{world.chat['id']}/attachments?name=" + quote("огромное.png"),
        headers=bearer(world.students[0]),
        content=chunked(),
    )
    refused(response, 400, "не больше 10 МБ")
    async with world.platform.messaging.runtime.db.read("test_attachments") as conn:
        names = set((await conn.scalars(select(attachments.c.name))).all())
    assert "огромное.png" not in names


async def test_programs_web_pages_and_svg_are_refused(world: World) -> None:
    student = world.students[0]
    for content, name, says in [
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "homework.pdf", "Программы"),
        (b"MZ\x90\x00" + b"\x00" * 64, "игра.exe", "Программы"),
        (b"<!doctype html><script>fetch('/api/v1/me')</script>", "page.html", "Веб-страницы"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "SVG"),
    ]:
        refused(await world.upload(student, content, name), 400, says)


async def test_r_chat_2_only_who_may_post_uploads(world: World) -> None:
    student = world.students[0]
    channel = await system_channel(world.platform, world.school.id, student, "school")
    await join(world.platform, channel, student)
    refused(await world.upload(student, PDF, chat=channel), 409, "только администраторы", rule="R-CHAT-2")
    refused(await world.upload(world.outsider_student, PDF), 409, rule="R-CHAT-5")
    refused(await world.upload(world.other_school_admin, PDF), 404)


async def test_another_school_gets_404_and_a_non_member_is_refused_on_download(world: World) -> None:
    student = world.students[0]
    uploaded = ok(await world.upload(student, PDF), 201)
    ok(await world.post(student, "Задание", [uploaded["id"]]), 201)
    refused(await world.download(world.other_school_admin, uploaded["id"]), 404, "Файл не найден")
    refused(await world.download(world.outsider_student, uploaded["id"]), 409, rule="R-CHAT-5")
    refused(await world.download(student, str(uuid.uuid4())), 404)


async def test_a_pending_upload_is_its_uploaders_alone(world: World) -> None:
    student, classmate = world.students
    uploaded = ok(await world.upload(student, PDF), 201)
    assert (await world.download(student, uploaded["id"])).status_code == 200
    refused(await world.download(classmate, uploaded["id"]), 404)


async def test_attaching_another_persons_or_another_chats_upload_is_refused(world: World) -> None:
    student, classmate = world.students
    theirs = ok(await world.upload(classmate, PDF), 201)
    refused(await world.post(student, "Смотрите", [theirs["id"]]), 404, "Файл не найден")
    elsewhere = ok(await world.upload(world.teacher, PDF, chat=world.other_chat), 201)
    refused(await world.post(world.teacher, "Смотрите", [elsewhere["id"]]), 404, "Файл не найден")
    # Once attached, an upload is not attached again.
    mine = ok(await world.upload(student, PDF), 201)
    ok(await world.post(student, "Первое", [mine["id"]]), 201)
    refused(await world.post(student, "Второе", [mine["id"]]), 400, "уже прикреплён")


async def test_at_most_ten_attachments_on_a_message(world: World) -> None:
    student = world.students[0]
    ids = [ok(await world.upload(student, b"note %d\n" % i, f"{i}.txt"), 201)["id"] for i in range(11)]
    refused(await world.post(student, "Много", ids), 400)
    posted = ok(await world.post(student, "Десять", ids[:10]), 201)
    assert [a["name"] for a in posted["attachments"]] == [f"{i}.txt" for i in range(10)]


async def test_r_mod_1_a_removed_messages_files_are_gone(world: World) -> None:
    student = world.students[0]
    uploaded = ok(await world.upload(student, png(64, 64), "мем.png"), 201)
    posted = ok(await world.post(student, "Смешно", [uploaded["id"]]), 201)
    removed = await world.platform.http.post(
        f"/api/v1/chats/{world.chat['id']}/messages/{posted['seq']}:remove",
        headers=bearer(world.teacher),
        json={"rule": 1, "reason": "Не по теме"},
    )
    assert ok(removed)["deleted"]
    refused(await world.download(world.students[1], uploaded["id"]), 404)
    refused(await world.download(student, uploaded["id"], thumbnail=True), 404)
    history = ok(
        await world.platform.http.get(f"/api/v1/chats/{world.chat['id']}/messages", headers=bearer(student))
    )
    assert next(m for m in history["messages"] if m["seq"] == posted["seq"])["attachments"] == []

    # The sweep then removes the bytes and the record.
    await world.platform.messaging.attachments.sweep()
    async with world.platform.messaging.runtime.db.read("test_attachments") as conn:
        left = (
            await conn.execute(select(attachments).where(attachments.c.id == uuid.UUID(uploaded["id"])))
        ).first()
    assert left is None
    assert not await world.platform.messaging.storage.exists(
        f"attachments/{world.chat['id']}/{uploaded['id']}"
    )


async def test_uploads_and_downloads_need_a_token(world: World) -> None:
    uploaded = ok(await world.upload(world.students[0], PDF), 201)
    response = await world.platform.http.post(
        f"/api/v1/chats/{world.chat['id']}/attachments?name=a.pdf", content=PDF
    )
    refused(response, 401)
    refused(await world.platform.http.get(f"/api/v1/attachments/{uploaded['id']}"), 401)


async def test_a_large_file_goes_both_ways_in_chunks(world: World) -> None:
    student = world.students[0]
    content = "".join(f"Строка {i}: задание по литературе\n" for i in range(40_000)).encode()
    assert len(content) > 1024 * 1024  # several gRPC chunks each way
    uploaded = ok(await world.upload(student, content, "задания.txt"), 201)
    assert uploaded["size"] == len(content)
    ok(await world.post(student, "Все задания", [uploaded["id"]]), 201)
    response = await world.download(world.students[1], uploaded["id"])
    assert response.status_code == 200, response.text
    assert response.headers["content-length"] == str(len(content))
    assert response.content == content


async def test_uploads_never_attached_are_swept_after_a_day(world: World) -> None:
    student = world.students[0]
    old = ok(await world.upload(student, PDF, "забытый.pdf"), 201)
    fresh = ok(await world.upload(student, PDF, "свежий.pdf"), 201)
    async with world.platform.messaging.runtime.db.transaction("test_backdate") as conn:
        await conn.execute(
            update(attachments)
            .where(attachments.c.id == uuid.UUID(old["id"]))
            .values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
    await world.platform.messaging.attachments.sweep()
    refused(await world.download(student, old["id"]), 404)
    assert (await world.download(student, fresh["id"])).status_code == 200
    assert not await world.platform.messaging.storage.exists(f"attachments/{world.chat['id']}/{old['id']}")


async def test_r_mod_3_a_blocked_member_uploads_nothing(world: World) -> None:
    platform, chat_url = world.platform, f"/api/v1/chats/{world.chat['id']}"
    student = await world.school.member("student", "5А")
    five_a = uuid.UUID(world.school.classes["5А"])
    await synced(platform, world.school.id, student["user_id"], lambda p: p.student_class == five_a)
    await join(platform, world.chat, student)
    for _ in range(4):
        body = {"user_id": student["user_id"], "rule": 2, "comment": "Грубость"}
        ok(await platform.http.post(chat_url + "/violations", headers=bearer(world.teacher), json=body), 201)
    block = {"user_id": student["user_id"], "days": 3, "reason": "Четыре нарушения"}
    ok(await platform.http.post(chat_url + "/blocks", headers=bearer(world.teacher), json=block), 201)
    refused(await world.upload(student, PDF), 409, "заблокированы", rule="R-MOD-3")
