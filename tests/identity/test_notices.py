"""People are told (issue 11, decision 005): the applicant of an approved or rejected application by
SMS and e-mail (R-ORG-2); the person whose join request was decided (R-INV-3) and the author of an
answered support request (R-PRIV-4) on the page they have open, or else by a letter; the
administrators of a new join or support request on their open page. Every service, NATS,
PostgreSQL, the gateway's WebSocket, the SMTP server and the SMS provider are real."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest_asyncio

from parta.events.v1 import directory_pb2
from services.common.events import make_envelope, subject_for
from services.identity.notices.store import NoticeStore
from tests.support.http import bearer
from tests.support.live import live
from tests.support.platform import Inbox, Platform, normalise_phone
from tests.support.schools import ClassSchool, application, class_school, operator_tokens
from tests.support.waiting import until

Tokens = dict[str, Any]


async def letters_to(inbox: Inbox, to: str, containing: str, *, within: float = 5.0) -> list[str]:
    """The texts sent to `to` that contain `containing`, once there is at least one."""

    def found() -> list[str]:
        return [m["text"] for m in inbox.messages if m["to"] == to and containing in m["text"]]

    return await until(found, within=within, what=f"a letter to {to} with {containing!r}")


async def nothing_more_to(inbox: Inbox, to: str, containing: str, settle: float = 1.0) -> list[str]:
    await asyncio.sleep(settle)
    return [m["text"] for m in inbox.messages if m["to"] == to and containing in m["text"]]


@pytest_asyncio.fixture(scope="module")
async def operator(platform: Platform) -> Tokens:
    return await operator_tokens(platform, "+79990001100")


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform, operator: Tokens) -> ClassSchool:
    school = await class_school(platform, operator, 1101, "+79120011010", ["5А"])
    admin_id = uuid.UUID(school.school.admin["user_id"])
    store = NoticeStore()

    async def learnt() -> bool:  # identity's read model learns who administers the school from directory
        async with platform.identity.runtime.db.transaction("test_admins") as conn:
            return admin_id in await store.holders_of(conn, uuid.UUID(school.id), "administrator")

    await until(learnt, what="identity learning the administrator")
    return school


async def submit(platform: Platform, seed: int, phone: str) -> str:
    applicant = await platform.sign_in(f"applicant{seed}@notices.example")
    response = await platform.http.post(
        "/api/v1/applications", headers=bearer(applicant), json=application(seed, phone)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_applicant_is_told_of_approval_by_sms_and_email_with_the_organisations_name(
    platform: Platform, operator: Tokens
) -> None:
    phone = "+79120011020"
    application_id = await submit(platform, 1102, phone)
    approved = await platform.http.post(
        f"/api/v1/applications/{application_id}:approve", headers=bearer(operator)
    )
    assert approved.status_code == 200, approved.text
    [sms] = await letters_to(platform.sms, phone, "одобрена")
    assert "«МБОУ «Школа № 1102»»" in sms
    assert f"по номеру {phone}" in sms
    assert sms.startswith("Парта: заявка организации")
    [mail] = await letters_to(platform.mail, "director1102@school.example", "одобрена")
    assert "Школа № 1102" in mail


async def test_applicant_is_told_of_rejection_with_the_reason(platform: Platform, operator: Tokens) -> None:
    phone = "+79120011030"
    application_id = await submit(platform, 1103, phone)
    rejected = await platform.http.post(
        f"/api/v1/applications/{application_id}:reject",
        headers=bearer(operator),
        json={"reason": "Приказ не подписан директором"},
    )
    assert rejected.status_code == 200, rejected.text
    [sms] = await letters_to(platform.sms, phone, "отклонена")
    assert "«МБОУ «Школа № 1103»»" in sms
    assert "Причина: Приказ не подписан директором." in sms
    assert await letters_to(platform.mail, "director1103@school.example", "Причина: Приказ не подписан")


async def decide(
    platform: Platform, school: ClassSchool, request_id: str, approve: bool, reason: str = ""
) -> None:
    verb = "approve" if approve else "reject"
    response = await platform.http.post(
        f"/api/v1/orgs/{school.id}/join-requests/{request_id}:{verb}",
        headers=school.admin,
        json={"reason": reason} if reason else None,
    )
    assert response.status_code == 200, response.text


async def test_join_request_approval_reaches_the_open_page_and_no_letter_is_sent(
    platform: Platform, school: ClassSchool
) -> None:
    address = "ivan.open@notices.example"
    person = await platform.sign_in(address)
    requested = await school.request_to_join(person, "teacher")
    assert requested.status_code == 201, requested.text
    async with live(platform.gateway.port, person) as socket:
        await decide(platform, school, requested.json()["id"], approve=True)
        frame = await socket.until("notice", within=5)
    assert frame == {
        "type": "notice",
        "kind": "join_request.approved",
        "organisation_id": school.id,
        "id": requested.json()["id"],
        "text": "Ваша заявка в «МБОУ «Школа № 1101»» (учитель) одобрена",
    }
    assert await nothing_more_to(platform.mail, address, "одобрена") == []


async def test_join_request_rejection_without_an_open_page_is_sent_by_letter_with_the_reason(
    platform: Platform, school: ClassSchool
) -> None:
    phone = "+79120011040"
    person = await platform.sign_in(phone)
    requested = await school.request_to_join(person, "parent", "5А")
    assert requested.status_code == 201, requested.text
    await decide(platform, school, requested.json()["id"], approve=False, reason="Такого ученика нет в 5А")
    [sms] = await letters_to(platform.sms, normalise_phone(phone), "отклонена")
    assert "«МБОУ «Школа № 1101»» (родитель) отклонена. Причина: Такого ученика нет в 5А." in sms


async def write_to_administrator(
    platform: Platform, school: ClassSchool, author: Tokens, subject: str
) -> str:
    response = await platform.http.post(
        f"/api/v1/orgs/{school.id}/support-requests",
        headers=bearer(author),
        json={"addressee": "administrator", "subject": subject, "text": "Подскажите, пожалуйста."},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def answer(platform: Platform, school: ClassSchool, request_id: str, text: str) -> None:
    response = await platform.http.patch(
        f"/api/v1/support-requests/{request_id}",
        headers=school.admin,
        json={"status": "resolved", "answer": text},
    )
    assert response.status_code == 200, response.text


async def test_support_answer_is_told_to_the_author_live_or_by_letter(
    platform: Platform, school: ClassSchool
) -> None:
    online = await school.member("teacher", who="online")
    offline = await school.member("teacher", who="offline")
    asked_online = await write_to_administrator(platform, school, online, "Расписание на среду")
    asked_offline = await write_to_administrator(platform, school, offline, "Пароль от Wi-Fi")
    async with live(platform.gateway.port, online) as socket:
        await answer(platform, school, asked_online, "Расписание висит у учительской.")
        frame = await socket.until("notice", within=5)
    assert frame["kind"] == "support_request.answered"
    assert frame["text"] == "Ответ на ваше обращение «Расписание на среду»"
    await answer(platform, school, asked_offline, "Спросите у завхоза.")
    offline_address = next(m["to"] for m in platform.mail.messages if m["to"].startswith("offline"))
    [mail] = await letters_to(platform.mail, offline_address, "ответ на ваше обращение")
    assert "«Пароль от Wi-Fi»" in mail
    assert "в «МБОУ «Школа № 1101»»" in mail


async def test_new_support_and_join_requests_reach_the_administrators_open_page(
    platform: Platform, school: ClassSchool
) -> None:
    member = await school.member("teacher", who="asker")
    newcomer = await platform.sign_in("newcomer@notices.example")
    async with live(platform.gateway.port, school.school.admin) as admin:
        request_id = await write_to_administrator(platform, school, member, "Сломался проектор")
        frame = await admin.until("notice", within=5)
        assert frame == {
            "type": "notice",
            "kind": "support_request.created",
            "organisation_id": school.id,
            "id": request_id,
            "text": "Новое обращение: «Сломался проектор»",
        }
        requested = await school.request_to_join(newcomer, "student", "5А")
        assert requested.status_code == 201, requested.text
        frame = await admin.until("notice", within=5)
        assert frame["kind"] == "join_request.created"
        assert frame["id"] == requested.json()["id"]
        assert frame["text"] == "Новая заявка на вступление: ученик"


async def test_a_redelivered_event_sends_one_letter_not_two(platform: Platform) -> None:
    phone = "+79120011050"
    event = directory_pb2.ApplicationDecided(
        application_id=str(uuid.uuid4()),
        approved=False,
        organisation_name="МБОУ «Школа № 1105»",
        admin_phone=phone,
        reason="Повтор",
    )
    envelope = make_envelope("directory.application.decided", event)
    js = platform.directory.runtime.js
    for _ in range(2):  # the same event twice in the stream (no Nats-Msg-Id: JetStream keeps both)
        await js.publish(subject_for("directory.application.decided"), envelope.SerializeToString())
    assert len(await letters_to(platform.sms, phone, "Повтор")) >= 1
    assert len(await nothing_more_to(platform.sms, phone, "Повтор")) == 1


async def test_the_class_teacher_is_told_of_a_parents_request_to_their_class(
    platform: Platform, school: ClassSchool
) -> None:
    teacher = await school.member("teacher", who="classlead")
    appointed = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{school.classes['5А']}/class-teacher",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert appointed.status_code in (200, 201), appointed.text
    newcomer = await platform.sign_in("mother5a@notices.example")
    async with live(platform.gateway.port, teacher) as socket:
        requested = await school.request_to_join(newcomer, "parent", "5А")
        assert requested.status_code == 201, requested.text
        frame = await socket.until("notice", within=5)
    assert (frame["kind"], frame["id"]) == ("join_request.created", requested.json()["id"])
    assert frame["text"] == "Новая заявка на вступление: родитель"
