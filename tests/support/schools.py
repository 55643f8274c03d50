"""Schools and their people, made through the gateway as a real user would: application bodies with
a valid ИНН, operator staff, approved schools, schools with classes whose people join by an approved
join request (R-INV-3), and invite links."""

from __future__ import annotations

import base64
import itertools
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from services.directory.membership.store import MembershipStore
from services.directory.organisations.store import OrganisationsStore
from tests.support.http import bearer
from tests.support.platform import Platform

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
_people = itertools.count(1)


def tax_id(seed: int) -> str:
    """A valid 10-digit ИНН (the last digit is the checksum)."""
    rng = random.Random(seed)
    digits = [rng.randint(0, 9) for _ in range(9)]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return "".join(map(str, digits)) + str(sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def application(seed: int, phone: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "school",
        "name": f"МБОУ «Школа № {seed}»",
        "region": "Свердловская область",
        "address": f"г. Екатеринбург, ул. Ленина, д. {seed}",
        "tax_id": tax_id(seed),
        "admin_full_name": "Петрова Анна Сергеевна",
        "admin_email": f"director{seed}@school.example",
        "admin_phone": phone,
        "appointing_order": {
            "file_name": "prikaz.pdf",
            "content_type": "application/pdf",
            "content_base64": base64.b64encode(PDF).decode(),
        },
    }
    body.update(overrides)
    return body


async def add_operator(platform: Platform, login: str) -> None:
    async with platform.directory.runtime.db.transaction("test_add_operator") as conn:
        await OrganisationsStore().add_operator(conn, login)


@dataclass
class School:
    id: str
    admin: dict[str, Any]


async def approved_school(
    platform: Platform, operator: dict[str, Any], seed: int, admin_phone: str
) -> School:
    """An application submitted, approved by the operator, and claimed by its administrator."""
    applicant = await platform.sign_in(f"applicant{seed}@school.example")
    submitted = await platform.http.post(
        "/api/v1/applications", headers=bearer(applicant), json=application(seed, admin_phone)
    )
    assert submitted.status_code == 201, submitted.text
    approved = await platform.http.post(
        f"/api/v1/applications/{submitted.json()['id']}:approve", headers=bearer(operator)
    )
    assert approved.status_code == 200, approved.text
    admin = await platform.sign_in(admin_phone)
    orgs = (await platform.http.get("/api/v1/orgs", headers=bearer(admin))).json()["organisations"]
    assert [o["id"] for o in orgs] == [approved.json()["organisation_id"]]
    return School(approved.json()["organisation_id"], admin)


@dataclass
class ClassSchool:
    """An approved school, its administrator, and classes by name ("5А" → id)."""

    platform: Platform
    school: School
    classes: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.school.id

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.school.admin)

    async def join_code(self) -> str:
        response = await self.platform.http.get("/api/v1/orgs", headers=self.admin)
        codes = {o["id"]: o["join_code"] for o in response.json()["organisations"]}
        return str(codes[self.id])

    async def add_class(self, name: str, academic_year: str = "2026/2027") -> str:
        response = await self.platform.http.post(
            f"/api/v1/orgs/{self.id}/classes",
            headers=self.admin,
            json={"name": name, "academic_year": academic_year},
        )
        assert response.status_code == 201, response.text
        self.classes[name] = str(response.json()["id"])
        return self.classes[name]

    async def request_to_join(
        self, tokens: dict[str, Any], role: str, class_name: str = "", message: str = ""
    ) -> Any:
        body = {
            "join_code": await self.join_code(),
            "role": role,
            "class_id": self.classes[class_name] if class_name else "",
            "message": message,
        }
        return await self.platform.http.post("/api/v1/join-requests", headers=bearer(tokens), json=body)

    async def member(self, role: str, class_name: str = "", who: str = "") -> dict[str, Any]:
        """Someone new signs in, asks to join with `role` and the administrator approves (R-INV-3)."""
        tokens = await self.platform.sign_in(
            f"{who or role}{next(_people)}-{uuid.uuid4().hex[:6]}@people.example"
        )
        requested = await self.request_to_join(tokens, role, class_name)
        assert requested.status_code == 201, requested.text
        approved = await self.platform.http.post(
            f"/api/v1/orgs/{self.id}/join-requests/{requested.json()['id']}:approve", headers=self.admin
        )
        assert approved.status_code == 200, approved.text
        return tokens

    async def link_parent(self, parent: dict[str, Any], child: dict[str, Any]) -> None:
        async with self.platform.directory.runtime.db.transaction("test_link_parent") as conn:
            await MembershipStore().link_parent(
                conn, uuid.UUID(self.id), uuid.UUID(parent["user_id"]), uuid.UUID(child["user_id"])
            )

    async def roles_of(self, tokens: dict[str, Any]) -> list[str]:
        """The person's roles here as they see them (404 → none)."""
        response = await self.platform.http.get(f"/api/v1/orgs/{self.id}", headers=bearer(tokens))
        return list(response.json()["my_roles"]) if response.status_code == 200 else []


async def operator_tokens(platform: Platform, phone: str) -> dict[str, Any]:
    await add_operator(platform, phone)
    return await platform.sign_in(phone)


async def class_school(
    platform: Platform, operator: dict[str, Any], seed: int, admin_phone: str, classes: list[str]
) -> ClassSchool:
    school = ClassSchool(platform, await approved_school(platform, operator, seed, admin_phone))
    for name in classes:
        await school.add_class(name)
    return school


async def make_invite(platform: Platform, org_id: str, by: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await platform.http.post(f"/api/v1/orgs/{org_id}/invites", headers=bearer(by), json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())
