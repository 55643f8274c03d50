"""Attachments in real browsers (R-CHAT-3): a teacher attaches a picture and a document with
«Прикрепить файл» (keyboard), sees them upload, sends; a student in another browser sees the picture's
thumbnail (fetched with the token into a blob: URL) and the document as a link with name and size.
A refused type shows the server's Russian reason."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

from PIL import Image
from playwright.async_api import expect

from tests.support.chats import create_chat, join, synced
from tests.support.platform import Platform
from tests.support.schools import class_school, operator_tokens
from tests.web.browser import Person, use_tokens

POLL = 8_000  # the page polls every 5 s while the socket is not live


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 160, 90)).save(out, "PNG")
    return out.getvalue()


async def test_r_chat_3_an_attached_picture_shows_its_thumbnail_to_another_member(
    platform: Platform, person: Person
) -> None:
    operator = await operator_tokens(platform, "+79990000660")
    school = await class_school(platform, operator, 660, "+79120066066", ["5А"])
    teacher: dict[str, Any] = await school.member("teacher", who="classteacher")
    five_a = school.classes["5А"]
    response = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{five_a}/class-teacher",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert response.status_code == 200, response.text
    student = await school.member("student", "5А")
    await synced(platform, school.id, teacher["user_id"], lambda p: uuid.UUID(five_a) in p.class_teacher_of)
    await synced(platform, school.id, student["user_id"], lambda p: p.student_class == uuid.UUID(five_a))
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=five_a)
    await join(platform, chat, student)

    # The student has the chat open: the message arrives live (or by the 5 s poll), files and all.
    other = await person()
    await use_tokens(other, student, f"/chats/{chat['id']}")
    await expect(other.get_by_text("Сообщений пока нет.")).to_be_visible()

    page = await person()
    await use_tokens(page, teacher, f"/chats/{chat['id']}")
    attach = page.get_by_role("button", name="Прикрепить файл")
    async with page.expect_file_chooser() as chosen:
        await attach.press("Enter")  # a button: the keyboard opens the file chooser too
    chooser = await chosen.value
    await chooser.set_files(
        [
            {"name": "доска.png", "mimeType": "image/png", "buffer": png(800, 600)},
            {"name": "план.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"},
            {
                "name": "logo.svg",
                "mimeType": "image/svg+xml",
                "buffer": b"<svg><script>alert(1)</script></svg>",
            },
        ]
    )
    pending = page.get_by_role("list", name="Файлы к отправке")
    await expect(pending.get_by_role("listitem").filter(has_text="доска.png")).to_contain_text("Загружен")
    await expect(pending.get_by_role("listitem").filter(has_text="план.pdf")).to_contain_text("Загружен")
    await expect(pending.get_by_role("listitem").filter(has_text="logo.svg")).to_contain_text(
        "прикреплять нельзя"
    )
    await page.get_by_role("button", name="Убрать файл logo.svg").click()
    await page.get_by_label("Сообщение", exact=True).fill("Фото доски и план урока")
    await page.get_by_role("button", name="Отправить").click()
    await expect(pending).to_be_hidden()

    sent = other.locator(".history > li", has_text="Фото доски и план урока")
    picture = sent.get_by_role("img", name="Изображение: доска.png")
    await expect(picture).to_have_attribute("src", re.compile(r"^blob:"), timeout=POLL)
    await expect(picture).to_have_js_property("complete", True)
    assert await picture.evaluate("img => img.complete && img.naturalWidth") == 320
    await expect(sent.get_by_role("link", name="план.pdf (15 Б)")).to_be_visible()
