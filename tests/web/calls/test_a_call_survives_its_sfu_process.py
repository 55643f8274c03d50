"""A call whose SFU process dies (issue 14, loss): two Chromium pages in a chat's call on one of two
`parta-sfu` subprocesses of the platform's fleet; the process is killed with -9; both pages are back
in the call with the other's video — new peer connections for the same session, on the other
process — within 10 s, and nobody clicks anything. The platform's own in-process SFU is drained
first, so the call and its move go to the killable processes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest_asyncio
from playwright.async_api import Page, expect

from services.media.calls.store import CallStore
from tests.support.chats import create_chat, enrolled_students, join, school_with_class_teacher
from tests.support.http import bearer
from tests.support.platform import FLEET_HEARTBEAT, Infra, Platform, sfu_processes
from tests.support.waiting import until
from tests.web.browser import DESKTOP, Person, assert_readable, serious_violations, shoot, use_tokens
from tests.web.calls.peers import receives, session_of

Tokens = dict[str, Any]
SOURCES = ("camera", "microphone")
# The subscriber peer connection now: kept to see it replaced.
KEEP_SUBSCRIBER = "() => { window.__before_move = window.__parta_call.subscriber; }"
# Video frames the page decoded from `session` on a subscriber peer connection that is not the one
# kept (-1 while the kept one is still in use).
FRAMES_AFTER_MOVE = """async (session) => {
  const call = window.__parta_call;
  if (!call || !call.subscriber || call.subscriber === window.__before_move) return -1;
  const camera = call.tracks().find((t) => t.session_id === session && t.source === 'camera');
  if (!camera) return 0;
  let frames = 0;
  (await call.subscriber.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.trackIdentifier === camera.track_id) frames = r.framesDecoded || 0;
  });
  return frames;
}"""


@pytest_asyncio.fixture(scope="module")
async def chat(platform: Platform) -> tuple[Tokens, Tokens, dict[str, Any]]:
    """A class chat: its class teacher and a student who joined it, both named."""
    base = await school_with_class_teacher(platform, 1414, "+79120141401", "+79120141402", ["6Б"])
    [student] = await enrolled_students(platform, base.school, "6Б", 1)
    made = await create_chat(
        platform, base.school.id, base.teacher, kind="class", class_id=base.school.classes["6Б"], title=""
    )
    await join(platform, made, student)
    for tokens, (first, last) in ((base.teacher, ("Анна", "Крылова")), (student, ("Ваня", "Зайцев"))):
        response = await platform.http.patch(
            "/api/v1/me", headers=bearer(tokens), json={"first_name": first, "last_name": last}
        )
        assert response.status_code == 200, response.text
    return base.teacher, student, made


async def call_address(platform: Platform, call_id: str) -> str:
    assert platform.media is not None
    async with platform.media.runtime.db.read("test_call") as conn:
        call = await CallStore().get_call(conn, uuid.UUID(call_id))
    assert call is not None
    return str(call.sfu_address)


async def open_call(page: Page, tokens: Tokens, chat: dict[str, Any], button: str) -> None:
    await use_tokens(page, tokens, f"/chats/{chat['id']}")
    await page.get_by_role("button", name=button).click()
    await expect(page.get_by_role("toolbar", name="Управление звонком")).to_be_visible()


async def test_a_page_whose_sfu_process_is_killed_is_back_with_video_within_10_s_without_a_click(
    platform: Platform,
    infra: Infra,
    chat: tuple[Tokens, Tokens, dict[str, Any]],
    caller: Person,
    live_calls: None,
) -> None:
    teacher_tokens, student_tokens, made = chat
    assert platform.media is not None
    assert platform.media.fleet is not None
    assert platform.sfu is not None
    fleet = platform.media.fleet
    bucket = platform.media.settings.sfu_fleet_bucket
    async with sfu_processes(infra.nats.url, bucket, 2, sfu_heartbeat_seconds=FLEET_HEARTBEAT) as processes:
        await platform.sfu.fleet.begin_drain()  # the in-process SFU: no new call
        wanted = {p.address for p in processes}
        await until(
            lambda: wanted <= set(fleet.addresses()), what="both SFU processes in the platform's fleet"
        )

        teacher = await caller(DESKTOP)
        await open_call(teacher, teacher_tokens, made, "Позвонить")
        student = await caller()
        await open_call(student, student_tokens, made, "Присоединиться")
        pages = {"teacher": teacher, "student": student}
        sessions = {name: await session_of(page) for name, page in pages.items()}
        other = {"teacher": "student", "student": "teacher"}
        for name, page in pages.items():
            await receives(page, [(sessions[other[name]], source) for source in SOURCES])

        call_id = str(await teacher.evaluate("() => window.__parta_call.media.callId"))
        placed = await call_address(platform, call_id)
        holder = next(p for p in processes if p.address == placed)
        for page in pages.values():
            await page.evaluate(KEEP_SUBSCRIBER)
        holder.kill()

        for name, page in pages.items():
            await until(
                lambda page=page, name=name: _rising(page, sessions[other[name]]),
                within=10,
                what=f"the {name}'s page back in the call with video, on a new subscriber connection",
            )
        assert await call_address(platform, call_id) in wanted - {holder.address}
        for name, page in pages.items():
            events = await page.evaluate("() => window.__parta_call.events()")
            assert any(event.endswith(" reconnect") for event in events), f"{name} told of the move: {events}"
            await expect(page.get_by_role("toolbar", name="Управление звонком")).to_be_visible()
            await expect(page.locator(".call-grid > li.tile:not(.more)")).to_have_count(2)
            await assert_readable(page, f"the call after its move, {name}")
            assert await serious_violations(page) == [], f"the call after its move, {name}"
        await receives(student, [(sessions["teacher"], source) for source in SOURCES])
        await shoot(student, "call-after-sfu-loss")
        for page in pages.values():
            await page.get_by_role("button", name="Выйти").click()


_seen: dict[int, int] = {}


async def _rising(page: Page, session: str) -> bool:
    """The page decodes the other's video on its new subscriber connection and the count rises."""
    frames = int(await page.evaluate(FRAMES_AFTER_MOVE, session))
    before = _seen.get(id(page), 0)
    _seen[id(page)] = max(before, frames)
    return frames > 0 and before > 0 and frames > before
