"""Calls in real browsers (issue 13): three Chromium pages with fake cameras and microphones in one
chat's call, through the gateway's HTTP and WebSocket, the media service and a real SFU process,
over real WebRTC on loopback. Each page receives the other two (video frames decoded and audio
samples received keep rising); a shared screen reaches the others; a moderator's «Выключить
микрофон» reaches the muted page, which stops sending; only the chat's members get in (R-MEDIA-3:
a member of the school who is not in the chat and another school's member are refused, and the page
says why); a member whose camera and microphone are refused listens; the chat and the chats list
show «Идёт звонок · N» live and stop when the last one leaves (R-MEDIA-1: no time limit)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest_asyncio
from playwright.async_api import Page, expect

from tests.support.chats import create_chat, enrolled_students, join, school_with_class_teacher
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import ClassSchool
from tests.support.waiting import until
from tests.web.browser import DESKTOP, Person, assert_readable, serious_violations, shoot, use_tokens
from tests.web.calls.peers import counts, receives, session_of

Tokens = dict[str, Any]
SOURCES = ("camera", "microphone")
# What a call runs in the page (both peer connections, every track, the media elements), kept
# before «Выйти»; after it, what of that still runs.
KEEP_WHAT_RUNS = """() => {
  const call = window.__parta_call;
  const tracks = [...Object.values(call.media.local), ...call.media.remoteTracks.map((t) => t.track)];
  window.__before_leaving = { peers: [call.publisher, call.subscriber], tracks: tracks.filter(Boolean) };
}"""
STILL_RUNNING = """() => {
  const kept = window.__before_leaving;
  return [
    ...kept.peers.filter((pc) => pc && pc.connectionState !== 'closed').map(() => 'a peer connection'),
    ...kept.tracks.filter((t) => t.readyState !== 'ended').map((t) => `a ${t.kind} track`),
    ...[...document.querySelectorAll('video, audio')].map((el) => `a <${el.localName}>`),
  ];
}"""
# A peer connection replaced as after a failure: the old one kept to see it closed for the new one.
RESTART = """(role) => {
  window.__replaced = window.__parta_call[role];
  window.__parta_call.media.restart(role);
}"""
REPLACED = """(role) => {
  const now = window.__parta_call[role];
  return Boolean(now) && now !== window.__replaced && window.__replaced.connectionState === 'closed';
}"""
REFUSE_DEVICES = """() => {
  const refuse = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  navigator.mediaDevices.getUserMedia = refuse;
}"""


NAMES = [
    ("Елена", "Соколова"),
    ("Миша", "Смирнов"),
    ("Катя", "Иванова"),
    ("Дима", "Орлов"),
    ("Оля", "Белова"),
    ("Петя", "Васильев"),
]


async def named(platform: Platform, tokens: Tokens, first: str, last: str) -> None:
    """The name every way in asks for, given as the name step gives it."""
    response = await platform.http.patch(
        "/api/v1/me", headers=bearer(tokens), json={"first_name": first, "last_name": last}
    )
    assert response.status_code == 200, response.text


@dataclass
class World:
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А: moderates the class chat
    students: list[Tokens]  # in the class chat
    outsider: Tokens  # a student of 5А who is not in the chat
    blocked: Tokens  # in the chat, blocked by its moderator (R-MOD-3)
    stranger: Tokens  # another school's administrator
    chat: dict[str, Any]


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    base = await school_with_class_teacher(platform, 1313, "+79120131301", "+79120131302", ["5А"])
    school = base.school
    students = await enrolled_students(platform, school, "5А", 5)
    chat = await create_chat(
        platform, school.id, base.teacher, kind="class", class_id=school.classes["5А"], title=""
    )
    *members, outsider, blocked = students
    for student in [*members, blocked]:
        await join(platform, chat, student)
    for tokens, (first, last) in zip([base.teacher, *students], NAMES, strict=True):
        await named(platform, tokens, first, last)
    # R-MOD-3: four violations, then a week's block — the blocked student still reads the chat.
    url, moderator = f"/api/v1/chats/{chat['id']}", bearer(base.teacher)
    for _ in range(4):
        body = {"user_id": blocked["user_id"], "rule": 2, "comment": "Грубость"}
        ok(await platform.http.post(url + "/violations", headers=moderator, json=body), 201)
    body = {"user_id": blocked["user_id"], "days": 7, "reason": "Четыре нарушения"}
    ok(await platform.http.post(url + "/blocks", headers=moderator, json=body), 201)
    return World(school, base.teacher, members, outsider, blocked, base.other.school.admin, chat)


async def open_chat(page: Page, tokens: Tokens, chat: dict[str, Any]) -> None:
    await use_tokens(page, tokens, f"/chats/{chat['id']}")
    await expect(page.get_by_role("heading", name=chat["title"])).to_be_visible()


def in_call(page: Page) -> Any:
    return page.get_by_role("toolbar", name="Управление звонком")


async def test_r_media_1_three_members_in_a_chats_call_see_and_hear_each_other(
    platform: Platform, world: World, caller: Person, live_calls: None
) -> None:
    # The class teacher starts the call from the chat on a desktop.
    teacher = await caller(DESKTOP)
    await open_chat(teacher, world.teacher, world.chat)
    await teacher.get_by_role("button", name="Позвонить").click()
    await expect(in_call(teacher)).to_be_visible()
    await expect(teacher.locator(".tile.mine")).to_be_visible()

    # A student on a phone sees «Идёт звонок · 1» live in the chats list and joins from the chat.
    misha = await caller()
    await use_tokens(misha, world.students[0], "/chats")
    row = misha.locator("li.chat-item", has_text=world.chat["title"])
    await expect(row.locator(".call-badge")).to_contain_text("Идёт звонок · 1", timeout=10_000)
    await row.get_by_role("link").click()
    await misha.get_by_role("button", name="Присоединиться").click()
    await expect(in_call(misha)).to_be_visible()

    # The second student joins from the chat, whose bar says two are in the call.
    katya = await caller()
    await open_chat(katya, world.students[1], world.chat)
    await expect(katya.locator(".call-bar")).to_contain_text("Идёт звонок · 2")
    assert await serious_violations(katya) == [], "the chat with its call going on"
    await katya.get_by_role("button", name="Присоединиться").click()
    await expect(in_call(katya)).to_be_visible()

    pages = {"teacher": teacher, "misha": misha, "katya": katya}
    sessions = {name: await session_of(page) for name, page in pages.items()}
    for name, page in pages.items():
        others = [(session, source) for who, session in sessions.items() if who != name for source in SOURCES]
        await receives(page, others)
        await expect(page.locator(".call-grid > li.tile:not(.more)")).to_have_count(3)
        await expect(page.locator(".call-meta")).to_contain_text("3 участника")
        await assert_readable(page, f"the call, {name}")
        assert await serious_violations(page) == [], f"the call, {name}"

    await shoot(misha, "call")

    # A lost connection: a new peer connection for the same session (aiortc has no ICE restart) —
    # Катя's subscriber and Миша's publisher are replaced as after a failure, and media flows again.
    for page, role in ((katya, "subscriber"), (misha, "publisher")):
        await page.evaluate(RESTART, role)
        await until(lambda page=page, role=role: page.evaluate(REPLACED, role), what=f"a new {role} peer")
    await receives(katya, [(sessions[who], source) for who in ("teacher", "misha") for source in SOURCES])
    await receives(teacher, [(sessions["misha"], source) for source in SOURCES])

    # The devices to choose from, by name.
    await teacher.get_by_role("button", name="Устройства").click()
    for label in ("Микрофон для звонка", "Камера для звонка"):
        await expect(teacher.get_by_label(label).locator("option").first).to_have_text(re.compile(r"\S"))
    # Another microphone: it is what the teacher sends now, and the others hear it.
    choice = teacher.get_by_label("Микрофон для звонка")
    other = await choice.locator("option").last.get_attribute("value")
    await choice.select_option(other)
    sending = "(id) => window.__parta_call.media.senders.microphone.track?.getSettings().deviceId === id"
    await until(lambda: teacher.evaluate(sending, other), what="the chosen microphone sent")
    await receives(misha, [(sessions["teacher"], "microphone")])
    await teacher.get_by_role("button", name="Закрыть").click()

    # The teacher shares the screen: both students get it, in a tile of its own.
    share = teacher.get_by_role("button", name="Показать экран")
    await share.click()
    await expect(share).to_have_attribute("aria-pressed", "true")
    for page in (misha, katya):
        await expect(page.locator(".tile.screen")).to_be_visible(timeout=15_000)
        await receives(page, [(sessions["teacher"], "screen")])
    await shoot(katya, "call-screen-share")
    await share.click()
    await expect(misha.locator(".tile.screen")).to_have_count(0, timeout=10_000)

    # Raising a hand shows on the others' tiles.
    await katya.get_by_role("button", name="Поднять руку").click()
    await expect(teacher.locator(f'.tile[data-session="{sessions["katya"]}"] .tile-flag.hand')).to_be_visible(
        timeout=10_000
    )

    # The moderator turns Миша's microphone off: his page says so and stops sending sound.
    await teacher.get_by_role("button", name="Участники").click()
    person = teacher.locator(f'.call-person[data-session="{sessions["misha"]}"]')
    await expect(person).to_contain_text("микрофон включён", timeout=10_000)
    assert await serious_violations(teacher) == [], "the participant list of a moderator"
    await person.get_by_role("button", name="Выключить микрофон").click()
    await expect(misha.get_by_text("Модератор выключил вам микрофон")).to_be_visible(timeout=10_000)
    await expect(misha.get_by_role("button", name="Микрофон")).to_have_attribute("aria-pressed", "false")
    assert await misha.evaluate("() => window.__parta_call.media.senders.microphone.track") is None
    await expect(person).to_contain_text("микрофон выключен", timeout=10_000)

    # Катя turns her own microphone off: the teacher is the one speaker, highlighted on the others.
    await katya.get_by_role("button", name="Микрофон").click()
    await expect(katya.get_by_role("button", name="Микрофон")).to_have_attribute("aria-pressed", "false")
    for page in (misha, katya):
        speaker = page.locator(f'.tile.speaking[data-session="{sessions["teacher"]}"]')
        await expect(speaker).to_be_visible(timeout=15_000)

    # Everyone leaves: nothing of the call is left running in the page (calls last for hours), the
    # call ends and the chat offers «Позвонить» again.
    for page in (katya, misha, teacher):
        await page.evaluate(KEEP_WHAT_RUNS)
        await page.get_by_role("button", name="Выйти").click()
        await expect(in_call(page)).to_have_count(0)
        await expect(page.get_by_role("form", name="Новое сообщение")).to_be_visible()
        assert await page.evaluate(STILL_RUNNING) == [], "after leaving"
        assert await page.evaluate("() => window.__parta_call === undefined")
    await expect(teacher.get_by_role("button", name="Позвонить")).to_be_visible(timeout=10_000)
    ended = await platform.http.get(f"/api/v1/chats/{world.chat['id']}/call", headers=bearer(world.teacher))
    assert ended.status_code == 404, ended.text


async def test_r_media_3_an_outsider_and_another_schools_member_are_refused(
    platform: Platform, world: World, caller: Person
) -> None:
    for tokens, who in ((world.outsider, "a student not in the chat"), (world.stranger, "another school")):
        refused = await platform.http.post(f"/api/v1/chats/{world.chat['id']}/call", headers=bearer(tokens))
        assert refused.status_code in (403, 404), (who, refused.text)
        assert refused.json()["error"]["rule"] == "R-MEDIA-3", (who, refused.text)

        page = await caller()
        await use_tokens(page, tokens, f"/chats/{world.chat['id']}/call")
        alert = page.get_by_role("alert")
        await expect(alert).to_have_attribute("data-rule", "R-MEDIA-3")
        await expect(alert).to_have_text(refused.json()["error"]["message"])  # why, in words
        await expect(in_call(page)).to_have_count(0)
        await assert_readable(page, f"the refusal, {who}")


async def test_a_member_whose_camera_and_microphone_are_refused_listens(
    platform: Platform, world: World, caller: Person, live_calls: None
) -> None:
    teacher = await caller(DESKTOP)
    await use_tokens(teacher, world.teacher, f"/chats/{world.chat['id']}/call")
    await expect(in_call(teacher)).to_be_visible()

    listener = await caller()
    await use_tokens(listener, world.students[2], f"/chats/{world.chat['id']}")
    await listener.evaluate(REFUSE_DEVICES)  # the person said «Блокировать» to the browser's question
    await listener.get_by_role("button", name="Присоединиться").click()
    await expect(listener.get_by_text("Камера и микрофон недоступны")).to_be_visible(timeout=10_000)
    await expect(listener.get_by_text("вы в звонке как слушатель")).to_be_visible()
    started_by = await session_of(teacher)
    await receives(listener, [(started_by, "camera"), (started_by, "microphone")])
    await expect(listener.get_by_role("button", name="Микрофон")).to_have_attribute("aria-pressed", "false")
    await assert_readable(listener, "listening only")
    await shoot(listener, "call-listen-only")

    # The moderator removes the listener from the call: the page says so.
    await teacher.get_by_role("button", name="Участники").click()
    row = teacher.locator(".call-person", has_text="Дима Орлов")
    await row.get_by_role("button", name="Удалить из звонка").click()
    await expect(listener.get_by_text("Модератор удалил вас из звонка")).to_be_visible(timeout=10_000)
    await expect(in_call(listener)).to_have_count(0)
    await expect(teacher.locator(".call-person")).to_have_count(1, timeout=10_000)

    for page in (teacher,):
        await page.get_by_role("button", name="Выйти").click()
        await expect(in_call(page)).to_have_count(0)
        await expect(page.get_by_role("form", name="Новое сообщение")).to_be_visible()


async def test_a_blocked_member_listens_but_does_not_publish(
    platform: Platform, world: World, caller: Person, live_calls: None
) -> None:
    teacher = await caller(DESKTOP)
    await use_tokens(teacher, world.teacher, f"/chats/{world.chat['id']}/call")
    await expect(in_call(teacher)).to_be_visible()
    started_by = await session_of(teacher)

    petya = await caller()
    await open_chat(petya, world.blocked, world.chat)
    await petya.get_by_role("button", name="Присоединиться").click()
    await expect(petya.get_by_text("Вы можете только слушать и смотреть")).to_be_visible(timeout=10_000)
    for name in ("Микрофон", "Камера", "Показать экран"):
        await expect(petya.get_by_role("button", name=name)).to_have_count(0)
    await receives(petya, [(started_by, source) for source in SOURCES])
    assert await petya.evaluate("() => window.__parta_call.publisher") is None  # nothing to send
    await teacher.get_by_role("button", name="Участники").click()
    await expect(teacher.locator(".call-person", has_text="Петя Васильев")).to_contain_text(
        "только слушает", timeout=10_000
    )
    await assert_readable(petya, "a blocked member in the call")

    for page in (petya, teacher):
        await page.get_by_role("button", name="Выйти").click()
        await expect(in_call(page)).to_have_count(0)


async def test_a_phone_shows_four_video_tiles_and_receives_video_only_for_them(
    platform: Platform, world: World, caller: Person, live_calls: None
) -> None:
    """The teacher shares her screen to three students on phones: a phone shows the screen, itself
    and two others, «ещё 1» for the fourth, and tells the SFU (call.visible) — the hidden one's
    video stops coming to it while the shown ones' keeps coming, and the teacher's sound."""
    teacher = await caller(DESKTOP)
    await use_tokens(teacher, world.teacher, f"/chats/{world.chat['id']}/call")
    await expect(in_call(teacher)).to_be_visible()
    phones = []
    for tokens in world.students:
        phone = await caller()
        await use_tokens(phone, tokens, f"/chats/{world.chat['id']}/call")
        await expect(in_call(phone)).to_be_visible()
        phones.append(phone)
    await teacher.get_by_role("button", name="Показать экран").click()
    # Only the teacher speaks, so the active speaker (who a phone brings into view) stays her.
    for phone in phones:
        await phone.get_by_role("button", name="Микрофон").click()
        await expect(phone.get_by_role("button", name="Микрофон")).to_have_attribute("aria-pressed", "false")

    misha = phones[0]
    sharing = await session_of(teacher)
    await expect(misha.locator(f'.tile.speaking[data-session="{sharing}"]')).to_be_visible(timeout=15_000)
    await expect(misha.locator(".tile.screen")).to_be_visible(timeout=15_000)
    others = misha.locator(".call-grid > li.tile:not(.screen):not(.mine):not(.more)")
    await expect(others).to_have_count(2, timeout=10_000)
    await expect(misha.locator(".tile.more")).to_have_text("ещё 1")
    shown = [str(await tile.get_attribute("data-session")) for tile in await others.all()]
    everyone = [await session_of(page) for page in (teacher, *phones[1:])]
    hidden = next(session for session in everyone if session not in shown)
    await receives(misha, [(sharing, "screen"), *[(session, "camera") for session in shown]])
    await receives(misha, [(sharing, "microphone")])

    # The SFU sends no video of the hidden one while the shown ones' comes on (a few packets in
    # flight when the count is read).
    before = await counts(misha, "packets")

    async def shown_moved_on() -> bool:
        now = await counts(misha, "packets")
        return all(now.get((s, "camera"), 0) >= before.get((s, "camera"), 0) + 100 for s in shown)

    await until(shown_moved_on, within=30, what="the shown tiles' video kept coming")
    after = await counts(misha, "packets")
    assert after.get((hidden, "camera"), 0) <= before.get((hidden, "camera"), 0) + 5, (before, after)
    await assert_readable(misha, "a phone with a hidden participant")

    for page in (*phones, teacher):
        await page.get_by_role("button", name="Выйти").click()
        await expect(in_call(page)).to_have_count(0)
