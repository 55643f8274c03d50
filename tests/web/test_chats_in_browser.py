"""Chats in real browsers (issue 6, chats slice): the class teacher creates the class chat, a student
sees it as joinable, reads its rules and accepts them (R-CHAT-1, R-CHAT-4, R-CHAT-5); they talk and
each sees the other's messages — by the 5 s poll, and live within a second when the gateway has
its WebSocket /api/v1/ws; replies, edits, deletes and unread counts; a student cannot post in the
school channel (R-CHAT-2); markup in a message stays text; axe-core on the chat screens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest_asyncio
from playwright.async_api import Page, expect
from starlette.routing import WebSocketRoute

from tests.support.chats import appoint_class_teacher, create_chat, enrolled_students, system_channel
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.web.browser import DESKTOP, Person, message_action, serious_violations, shoot, use_tokens

Tokens = dict[str, Any]
POLL = 8_000  # the page polls every 5 s while the socket is not live


@dataclass
class World:
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А
    students: list[Tokens]  # of 5А

    @property
    def id(self) -> str:
        return self.school.id

    @property
    def admin(self) -> Tokens:
        return self.school.school.admin


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    operator = await operator_tokens(platform, "+79990000620")
    school = await class_school(platform, operator, 620, "+79120062062", ["5А"])
    teacher = await appoint_class_teacher(platform, school, "5А")
    students = await enrolled_students(platform, school, "5А", 2)
    return World(school, teacher, students)


def has_live_socket(platform: Platform) -> bool:
    """Whether the gateway (being built alongside) already serves the WebSocket /api/v1/ws."""
    return any(
        isinstance(route, WebSocketRoute) and route.path == "/api/v1/ws"
        for route in platform.gateway.app.routes
    )


def message(page: Page, text: str) -> Any:
    return page.locator(".history > li.msg", has_text=text)


async def send(page: Page, text: str) -> None:
    """Type into the composer (Shift+Enter for a new line) and press Enter to send."""
    box = page.get_by_label("Сообщение", exact=True)
    lines = text.split("\n")
    for index, line in enumerate(lines):
        await box.press_sequentially(line)
        if index < len(lines) - 1:
            await box.press("Shift+Enter")
    await box.press("Enter")
    await expect(box).to_have_value("")


async def test_r_chat_5_class_teacher_creates_class_chat_student_joins_by_rules_and_they_talk(
    platform: Platform, world: World, person: Person
) -> None:
    # R-CHAT-1: the class teacher creates the class chat from «Новый чат».
    teacher = await person()
    await use_tokens(teacher, world.teacher, "/chats")
    await expect(teacher.get_by_role("heading", name="Чаты", exact=True)).to_be_visible()
    await teacher.get_by_role("button", name="Новый чат").click()
    await teacher.get_by_label("Вид чата").select_option("class")
    await teacher.get_by_label("Класс", exact=True).select_option(label="5А")
    await teacher.get_by_role("button", name="Создать чат").click()
    await expect(teacher.get_by_role("heading", name="5А: класс")).to_be_visible()
    await expect(teacher.get_by_text("Сообщений пока нет.")).to_be_visible()

    # R-CHAT-4, R-CHAT-5: the student sees it as joinable, reads the numbered rules, accepts them.
    student = await person()
    await use_tokens(student, world.students[0], "/chats")
    joinable = student.get_by_role("list", name="Чаты, в которые можно вступить")
    item = joinable.get_by_role("listitem").filter(has_text="5А: класс")
    await item.get_by_role("button", name="Вступить").click()
    rules = student.get_by_role("group", name="Правила чата «5А: класс»")
    await expect(rules.get_by_role("listitem")).to_have_count(6)
    await rules.get_by_role("button", name="Принимаю правила").click()
    await expect(student.get_by_role("heading", name="5А: класс")).to_be_visible()

    # They talk: Enter sends, Shift+Enter is a new line; each sees the other's message by the poll.
    await send(student, "Здравствуйте!\nКогда контрольная?")
    await expect(message(student, "Когда контрольная?")).to_have_class(re.compile(r"\bmine\b"))
    text = message(teacher, "Когда контрольная?").locator(".text")
    await expect(text).to_have_text("Здравствуйте!\nКогда контрольная?", timeout=POLL)
    # A reply to the student's message, with its quote.
    await message_action(message(teacher, "Когда контрольная?"), "Ответить")
    await expect(teacher.get_by_text("Ответ на:")).to_be_visible()
    await send(teacher, "В пятницу, 3 урок.")
    answer = message(student, "В пятницу, 3 урок.")
    await expect(answer.locator(".reply-quote")).to_contain_text(
        "Здравствуйте! Когда контрольная?", timeout=POLL
    )

    # My own messages: edit, then delete (a tombstone keeps the place).
    await send(student, "Спасибо!!")
    own = message(student, "Спасибо!!")
    await message_action(own, "Изменить")
    await student.get_by_label("Новый текст сообщения").fill("Спасибо!")
    await student.get_by_role("button", name="Сохранить").click()
    await expect(message(student, "Спасибо!")).to_contain_text("изменено")
    await send(student, "Лишнее сообщение")
    await message_action(message(student, "Лишнее сообщение"), "Удалить")
    await expect(student.locator(".history > li.deleted")).to_contain_text("Сообщение удалено")
    await expect(message(teacher, "Спасибо!")).to_be_visible(timeout=POLL)  # polled: the new ones

    if has_live_socket(platform):
        # The WebSocket is there: a message appears on the other side within a second, no reload.
        await expect(teacher.locator(".live-status")).to_have_attribute("data-live", "live")
        await expect(student.locator(".live-status")).to_have_attribute("data-live", "live")
        await send(student, "Живое сообщение")
        await expect(message(teacher, "Живое сообщение")).to_be_visible(timeout=1_000)
        await send(teacher, "Живой ответ")
        await expect(message(student, "Живой ответ")).to_be_visible(timeout=1_000)
        await expect(message(teacher, "Живое сообщение")).to_have_count(1)  # de-duplicated by seq

    await shoot(student, "chat")

    # Unread counts: the teacher on the list sees the student's new message as a badge.
    await teacher.get_by_role("link", name="Все чаты").click()
    mine = teacher.get_by_role("list", name="Мои чаты")
    await expect(mine).to_contain_text("5А: класс")
    posted = await platform.http.post(
        f"/api/v1/chats/{await _chat_id(teacher)}/messages",
        headers=bearer(world.students[0]),
        json={"text": "Ещё вопрос"},
    )
    ok(posted, 201)
    await teacher.reload()
    await expect(mine.locator(".badge.unread")).to_contain_text("1")
    await shoot(teacher, "chats")
    # Opening the chat marks it read.
    await mine.get_by_role("link", name="5А: класс").click()
    await expect(message(teacher, "Ещё вопрос")).to_be_visible()
    await teacher.get_by_role("link", name="Все чаты").click()
    await expect(mine.get_by_role("link", name="5А: класс")).to_be_visible()
    await expect(mine.locator(".badge.unread")).to_have_count(0)


async def _chat_id(page: Page) -> str:
    return str(await page.locator("[data-chat]").first.get_attribute("data-chat"))


async def test_r_chat_2_student_reads_the_school_channel_but_cannot_post(
    platform: Platform, world: World, person: Person
) -> None:
    channel = await system_channel(platform, world.id, world.admin, "school")
    ok(
        await platform.http.post(
            f"/api/v1/chats/{channel['id']}:join",
            headers=bearer(world.admin),
            json={"rules_version": channel["rules_version"]},
        )
    )
    ok(
        await platform.http.post(
            f"/api/v1/chats/{channel['id']}/messages",
            headers=bearer(world.admin),
            json={"text": "Завтра линейка в 8:30."},
        ),
        201,
    )
    student = await person()
    await use_tokens(student, world.students[1], "/chats")
    item = student.get_by_role("list", name="Чаты, в которые можно вступить").get_by_role("listitem")
    await item.filter(has_text="Общешкольный канал").get_by_role("button", name="Вступить").click()
    await student.get_by_role("button", name="Принимаю правила").click()
    await expect(student.get_by_role("heading", name="Общешкольный канал")).to_be_visible()
    await expect(message(student, "Завтра линейка в 8:30.")).to_be_visible()
    note = student.get_by_role("note")
    await expect(note).to_contain_text("публикуют только администраторы")
    await expect(student.get_by_label("Сообщение", exact=True)).to_have_count(0)
    await expect(student.get_by_role("button", name="Отправить")).to_have_count(0)
    await (
        message(student, "Завтра линейка в 8:30.").get_by_role("button", name="Действия с сообщением").click()
    )
    await expect(student.get_by_role("button", name="Ответить")).to_have_count(0)


async def test_markup_in_messages_is_shown_as_text_and_never_runs(
    platform: Platform, world: World, person: Person
) -> None:
    chat = await create_chat(
        platform, world.id, world.teacher, kind="other", title="Проверка <b>разметки</b>"
    )
    ok(
        await platform.http.post(
            f"/api/v1/chats/{chat['id']}/messages",
            headers=bearer(world.teacher),
            json={"text": "<script>window.__pwned = 'api'</script>"},
        ),
        201,
    )
    teacher = await person()
    await use_tokens(teacher, world.teacher, f"/chats/{chat['id']}")
    await expect(teacher.get_by_role("heading", name="Проверка <b>разметки</b>")).to_be_visible()
    img = "<img src=x onerror=\"window.__pwned='img'\">"
    await send(teacher, img)
    await expect(message(teacher, img).locator(".text")).to_have_text(img)
    await expect(message(teacher, "<script>").locator(".text")).to_have_text(
        "<script>window.__pwned = 'api'</script>"
    )
    history = teacher.locator(".history")
    await expect(history.locator("img")).to_have_count(0)
    await expect(history.locator("script")).to_have_count(0)
    await expect(history.locator("b")).to_have_count(0)
    await teacher.wait_for_timeout(200)
    assert await teacher.evaluate("window.__pwned === undefined")


async def test_chat_screens_have_no_serious_violations_and_invitations_are_accepted(
    platform: Platform, world: World, person: Person
) -> None:
    chat = await create_chat(platform, world.id, world.teacher, kind="other", title="Родительский комитет")
    ok(
        await platform.http.post(
            f"/api/v1/chats/{chat['id']}/invitations",
            headers=bearer(world.teacher),
            json={"user_ids": [world.students[1]["user_id"]]},
        ),
        201,
    )
    for text in ("Добрый день!", "Собрание в четверг."):
        ok(
            await platform.http.post(
                f"/api/v1/chats/{chat['id']}/messages", headers=bearer(world.teacher), json={"text": text}
            ),
            201,
        )
    for viewport in (DESKTOP, None):  # the invitation is accepted on the phone, after the desktop
        page = await (person(viewport) if viewport else person())
        await use_tokens(page, world.students[1], "/chats")
        invitations = page.get_by_role("list", name="Приглашения в чаты")
        await expect(invitations).to_contain_text("Родительский комитет")
        await invitations.get_by_role("button", name="Принять").click()
        await expect(page.get_by_role("button", name="Принимаю правила")).to_be_visible()
        assert await serious_violations(page) == [], "chat list with an invitation's rules"
        if viewport is None:
            await page.get_by_role("button", name="Принимаю правила").click()
            await expect(page.get_by_role("heading", name="Родительский комитет")).to_be_visible()
            await expect(message(page, "Собрание в четверг.")).to_be_visible()
            await message_action(message(page, "Собрание в четверг."), "Ответить")
            assert await serious_violations(page) == [], "chat view while replying"

    teacher = await person(DESKTOP)
    await use_tokens(teacher, world.teacher, f"/chats/{chat['id']}")
    await expect(message(teacher, "Собрание в четверг.")).to_be_visible()
    await message_action(message(teacher, "Собрание в четверг."), "Изменить")
    await expect(teacher.get_by_label("Новый текст сообщения")).to_be_focused()
    assert await serious_violations(teacher) == [], "chat view while editing"
    await teacher.get_by_role("link", name="Все чаты").click()
    await teacher.get_by_role("button", name="Новый чат").click()
    await expect(teacher.get_by_role("button", name="Создать чат")).to_be_visible()
    assert await serious_violations(teacher) == [], "chat list with the new-chat form"


async def test_without_the_socket_the_open_chat_is_polled(
    platform: Platform, world: World, person: Person
) -> None:
    chat = await create_chat(platform, world.id, world.teacher, kind="other", title="Без сокета")
    page = await person()

    async def refuse(socket: Any) -> None:  # the WebSocket never opens: as before the server has it
        await socket.close(code=1011, reason="no live channel")

    await page.context.route_web_socket("**/api/v1/ws", refuse)
    await use_tokens(page, world.teacher, f"/chats/{chat['id']}")
    await expect(page.get_by_text("Сообщений пока нет.")).to_be_visible()
    await expect(page.locator(".live-status")).to_contain_text("каждые 5 секунд")
    ok(
        await platform.http.post(
            f"/api/v1/chats/{chat['id']}/messages",
            headers=bearer(world.teacher),
            json={"text": "С другого устройства"},
        ),
        201,
    )
    await expect(message(page, "С другого устройства")).to_be_visible(timeout=POLL)
    await send(page, "И отсюда")
    await expect(message(page, "И отсюда")).to_have_count(1)


LIVE_CLIENT_SCRIPT = """async () => {
  const { LiveClient } = await import('/static/live.js');
  const sockets = [];
  class FakeSocket {
    constructor(url) { this.url = url; this.sent = []; this.readyState = 0; sockets.push(this); }
    send(text) { this.sent.push(JSON.parse(text)); }
    close(code = 1000) { this.readyState = 3; this.onclose?.({ code }); }
    open() { this.readyState = 1; this.onopen(); }
    frame(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
    drop(code = 1006) { this.readyState = 3; this.onclose({ code }); }
  }
  const delays = [];
  let pending = null;
  let refreshed = 0;
  const statuses = [];
  const client = new LiveClient({
    url: 'ws://test/api/v1/ws',
    token: () => `token-${refreshed}`,
    refresh: async () => { refreshed += 1; return true; },
    WebSocket: FakeSocket,
    setTimeout: (fn, ms) => { delays.push(ms); pending = fn; return delays.length; },
    clearTimeout: () => {},
  });
  client.onStatus((s) => statuses.push(s));
  const got = [];
  client.subscribe('c1', 5, (f) => got.push(f.type === 'message' ? f.message.seq : f.type));
  const first = sockets[0];
  first.open();
  first.frame({ type: 'ready', user_id: 'u1' });
  for (const seq of [4, 5, 6, 6, 7]) first.frame({ type: 'message', chat_id: 'c1', message: { seq } });
  first.frame({ type: 'message_edited', chat_id: 'c1', message: { seq: 6 } });
  first.frame({ type: 'message', chat_id: 'other', message: { seq: 1 } });
  first.frame({ type: 'ping' });
  for (let i = 0; i < 7; i += 1) { sockets.at(-1).drop(); pending(); }
  const backoff = [...delays];
  const again = sockets.at(-1);
  again.open();
  again.frame({ type: 'ready', user_id: 'u1' });
  again.frame({ type: 'message', chat_id: 'c1', message: { seq: 7 } });
  again.frame({ type: 'error', code: 'unauthenticated', message: 'expired' });
  again.drop(4401);
  await new Promise((r) => setTimeout(r, 0));
  pending();
  const fresh = sockets.at(-1);
  fresh.open();
  fresh.frame({ type: 'removed', chat_id: 'c1' });
  return {
    url: first.url, firstSent: first.sent, againSent: again.sent, freshSent: fresh.sent, got, backoff,
    afterRefresh: delays.at(-1), refreshed, statuses: [...new Set(statuses)], sockets: sockets.length,
  };
}"""


async def test_live_client_protocol_with_a_fake_socket(platform: Platform, person: Person) -> None:
    """live.js alone: auth, subscribe with the last seq, de-duplication by seq, pong, backoff
    1 s doubling to 30 s, resubscribe from the last seq seen, 4401 → refresh → fresh auth."""
    page = await person()
    await page.goto("/")
    result = await page.evaluate(LIVE_CLIENT_SCRIPT)
    assert result["url"] == "ws://test/api/v1/ws"
    assert result["firstSent"] == [
        {"type": "auth", "token": "token-0"},
        {"type": "subscribe", "chats": {"c1": 5}},
        {"type": "pong"},
    ]
    assert result["got"][:4] == [6, 7, "message_edited", "removed"]
    assert result["backoff"] == [1000, 2000, 4000, 8000, 16000, 30000, 30000]
    assert result["againSent"] == [
        {"type": "auth", "token": "token-0"},
        {"type": "subscribe", "chats": {"c1": 7}},
    ]
    assert result["refreshed"] == 1
    assert result["afterRefresh"] == 1000  # the backoff starts again after a ready
    assert result["freshSent"] == [{"type": "auth", "token": "token-1"}]
    assert result["statuses"] == ["down", "connecting", "live"]
