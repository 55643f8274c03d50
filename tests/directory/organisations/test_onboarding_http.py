"""An organisation joins Parta (R-ORG-2..6): it applies, the operator approves, the administrator
named in the application signs in with that phone and builds the structure. Through real HTTP,
gateway, directory, identity and NATS."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest_asyncio
from nats.aio.client import Client as NATS

from parta.events.v1 import directory_pb2, envelope_pb2
from tests.support.http import bearer
from tests.support.platform import Infra, Platform
from tests.support.schools import add_operator, application, approved_school
from tests.support.waiting import until

OPERATOR_PHONE = "+79990000001"


@pytest_asyncio.fixture(scope="module")
async def operator(platform: Platform) -> dict[str, Any]:
    await add_operator(platform, OPERATOR_PHONE)
    return await platform.sign_in(OPERATOR_PHONE)


@pytest_asyncio.fixture(scope="module")
async def nc(infra: Infra) -> AsyncIterator[NATS]:
    client = await nats.connect(infra.nats.url)
    yield client
    await client.close()


async def test_application_approval_activates_the_school_and_its_administrator(
    platform: Platform, operator: dict[str, Any], nc: NATS
) -> None:
    activated: asyncio.Queue[envelope_pb2.EventEnvelope] = asyncio.Queue()

    async def on_event(msg: Any) -> None:
        await activated.put(envelope_pb2.EventEnvelope.FromString(msg.data))

    sub = await nc.subscribe("parta.directory.organisation.activated", cb=on_event)
    applicant = await platform.sign_in("secretary@school10.example")
    body = application(10, "8 912 000-10-10")
    submitted = await platform.http.post("/api/v1/applications", headers=bearer(applicant), json=body)
    assert submitted.status_code == 201
    assert submitted.json()["status"] == "pending"
    assert submitted.json()["admin_phone"] == "+79120001010"

    pending = (
        await platform.http.get("/api/v1/applications?status=pending", headers=bearer(operator))
    ).json()
    assert submitted.json()["id"] in [a["id"] for a in pending["applications"]]
    document = await platform.http.get(
        f"/api/v1/applications/{submitted.json()['id']}/document", headers=bearer(operator)
    )
    assert document.status_code == 200
    assert document.content == base64.b64decode(body["appointing_order"]["content_base64"])
    assert document.headers["content-type"] == "application/pdf"

    approved = await platform.http.post(
        f"/api/v1/applications/{submitted.json()['id']}:approve", headers=bearer(operator)
    )
    assert approved.status_code == 200
    org_id = approved.json()["organisation_id"]
    # The applicant follows the status of their own application.
    mine = await platform.http.get(
        f"/api/v1/applications/{submitted.json()['id']}", headers=bearer(applicant)
    )
    assert mine.json()["status"] == "approved"

    envelope = await asyncio.wait_for(activated.get(), timeout=5)
    event = directory_pb2.OrganisationActivated()
    envelope.payload.Unpack(event)
    assert (event.organisation_id, event.name) == (org_id, "МБОУ «Школа № 10»")
    await sub.unsubscribe()

    # R-ORG-3: the person who signs in with the application's phone is the administrator.
    admin = await platform.sign_in("+7 912 000-10-10")
    orgs = (await platform.http.get("/api/v1/orgs", headers=bearer(admin))).json()["organisations"]
    assert [(o["id"], o["my_roles"]) for o in orgs] == [(org_id, ["administrator"])]
    assert orgs[0]["join_code"]
    # R-ORG-5: the staff room is there from the start.
    classes = (await platform.http.get(f"/api/v1/orgs/{org_id}/classes", headers=bearer(admin))).json()[
        "classes"
    ]
    assert [(c["name"], c["kind"]) for c in classes] == [("Учительская", "staff_room")]
    # The applicant who is not the named administrator gets nothing.
    assert (await platform.http.get("/api/v1/orgs", headers=bearer(applicant))).json()["organisations"] == []


async def test_operator_rejects_with_a_reason_and_decides_only_once(
    platform: Platform, operator: dict[str, Any]
) -> None:
    applicant = await platform.sign_in("secretary@school11.example")
    submitted = (
        await platform.http.post(
            "/api/v1/applications", headers=bearer(applicant), json=application(11, "+79120001111")
        )
    ).json()
    no_reason = await platform.http.post(
        f"/api/v1/applications/{submitted['id']}:reject", headers=bearer(operator), json={"reason": ""}
    )
    assert no_reason.status_code == 400
    rejected = await platform.http.post(
        f"/api/v1/applications/{submitted['id']}:reject",
        headers=bearer(operator),
        json={"reason": "Нет приказа"},
    )
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "Нет приказа")
    again = await platform.http.post(
        f"/api/v1/applications/{submitted['id']}:approve", headers=bearer(operator)
    )
    assert again.status_code == 409
    assert again.json()["error"]["rule"] == "R-ORG-2"


async def test_bad_applications_are_refused_with_the_field_named(platform: Platform) -> None:
    applicant = await platform.sign_in("careless@school.example")
    cases = [
        ({"tax_id": "1234567890"}, "ИНН"),
        ({"admin_phone": "12"}, "телефона"),
        ({"admin_email": "nobody"}, "почты"),
        ({"admin_full_name": "Анастасия"}, "фамилию"),
        ({"admin_full_name": "Анна"}, "ФИО"),
        (
            {
                "appointing_order": {
                    "file_name": "x.pdf",
                    "content_type": "application/pdf",
                    "content_base64": "aGVsbG8=",
                }
            },
            "PDF",
        ),
        ({"kind": "university"}, "kind"),
    ]
    for change, words in cases:
        response = await platform.http.post(
            "/api/v1/applications", headers=bearer(applicant), json=application(12, "+79120001212", **change)
        )
        assert response.status_code == 400, (change, response.text)
        assert words in response.json()["error"]["message"], (change, response.json())
        # The field it is about, by its name in the request, so a form shows the error under it.
        assert response.json()["error"]["field"] == next(iter(change)), (change, response.json())
    assert (
        await platform.http.post("/api/v1/applications", json=application(12, "+79120001212"))
    ).status_code == 401


async def test_second_application_for_the_same_tax_id_is_refused(platform: Platform) -> None:
    applicant = await platform.sign_in("twice@school.example")
    first = await platform.http.post(
        "/api/v1/applications", headers=bearer(applicant), json=application(13, "+79120001313")
    )
    assert first.status_code == 201
    second = await platform.http.post(
        "/api/v1/applications", headers=bearer(applicant), json=application(13, "+79120001313")
    )
    assert second.status_code == 409


async def test_administrator_builds_classes_by_the_nomenclature(
    platform: Platform, operator: dict[str, Any]
) -> None:
    school = await approved_school(platform, operator, 14, "+79120001414")
    headers = bearer(school.admin)
    created = await platform.http.post(
        f"/api/v1/orgs/{school.id}/classes",
        headers=headers,
        json={"name": "5а", "academic_year": "2026/2027"},
    )
    assert created.status_code == 201
    assert (created.json()["name"], created.json()["grade"]) == ("5А", 5)
    duplicate = await platform.http.post(
        f"/api/v1/orgs/{school.id}/classes",
        headers=headers,
        json={"name": "5А", "academic_year": "2026/2027"},
    )
    assert duplicate.status_code == 409
    next_year = await platform.http.post(
        f"/api/v1/orgs/{school.id}/classes",
        headers=headers,
        json={"name": "5А", "academic_year": "2027/2028"},
    )
    assert next_year.status_code == 201
    wrong = await platform.http.post(
        f"/api/v1/orgs/{school.id}/classes", headers=headers, json={"name": "12Б"}
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["rule"] == "R-ORG-6"
    listed = (
        await platform.http.get(f"/api/v1/orgs/{school.id}/classes?academic_year=2026/2027", headers=headers)
    ).json()
    assert [c["name"] for c in listed["classes"]] == ["Учительская", "5А"]

    unit = await platform.http.post(
        f"/api/v1/orgs/{school.id}/units", headers=headers, json={"name": "Начальная школа"}
    )
    assert unit.status_code == 201
    in_unit = await platform.http.post(
        f"/api/v1/orgs/{school.id}/classes",
        headers=headers,
        json={"name": "1А", "unit_id": unit.json()["id"], "academic_year": "2026/2027"},
    )
    assert in_unit.json()["unit_id"] == unit.json()["id"]


async def test_administrator_edits_the_details_and_time_zone(
    platform: Platform, operator: dict[str, Any]
) -> None:
    """R-ORG-4: the administrator edits the details; R-ORG-7: the journal link members are shown."""
    school = await approved_school(platform, operator, 15, "+79120001515")
    response = await platform.http.patch(
        f"/api/v1/orgs/{school.id}",
        headers=bearer(school.admin),
        json={"time_zone": "Asia/Yekaterinburg", "journal_url": "https://journal.example/school15"},
    )
    assert response.status_code == 200
    assert (response.json()["time_zone"], response.json()["journal_url"]) == (
        "Asia/Yekaterinburg",
        "https://journal.example/school15",
    )
    bad = await platform.http.patch(
        f"/api/v1/orgs/{school.id}", headers=bearer(school.admin), json={"time_zone": "Moon/Base"}
    )
    assert bad.status_code == 400


async def test_another_schools_administrator_gets_404_not_data(
    platform: Platform, operator: dict[str, Any]
) -> None:
    """R-ORG-1: each organisation is a closed space."""
    school_a = await approved_school(platform, operator, 16, "+79120001616")
    school_b = await approved_school(platform, operator, 17, "+79120001717")
    for path in ("", "/classes", "/units", "/members"):
        response = await platform.http.get(
            f"/api/v1/orgs/{school_a.id}{path}", headers=bearer(school_b.admin)
        )
        assert response.status_code == 404, path
        assert "Школа № 16" not in response.text
    edit = await platform.http.patch(
        f"/api/v1/orgs/{school_a.id}", headers=bearer(school_b.admin), json={"name": "Захвачено"}
    )
    assert edit.status_code == 404


async def test_the_administrator_role_reaches_identity_for_verifications(
    platform: Platform, operator: dict[str, Any]
) -> None:
    """directory.member.roles_changed feeds identity's read model (R-ROLE-2 decisions)."""
    school = await approved_school(platform, operator, 18, "+79120001818")

    async def admins_roles() -> frozenset[str]:
        listed = await platform.http.get(f"/api/v1/orgs/{school.id}", headers=bearer(school.admin))
        assert listed.status_code == 200
        async with platform.identity.runtime.db.transaction("test_read_model") as conn:
            return await platform.identity.store.org_roles_of(
                conn, uuid.UUID(school.id), uuid.UUID(school.admin["user_id"])
            )

    roles = await until(admins_roles, what="identity learning the administrator's roles")
    assert roles == frozenset({"administrator"})
