"""Helpers for directory tests: application bodies with valid ИНН, operator staff, approved schools."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from typing import Any

from services.directory.organisations.store import OrganisationsStore
from tests.conftest import Platform, bearer

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


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
