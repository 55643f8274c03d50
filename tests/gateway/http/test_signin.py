"""Signing in through the public HTTP API, end to end: HTTP → gateway → identity (gRPC) → SMTP or
SMS → code → tokens → /me (R-PRIV-3)."""

from __future__ import annotations

from tests.support.http import bearer
from tests.support.platform import Platform


async def test_sign_in_by_email_through_real_smtp(platform: Platform) -> None:
    response = await platform.http.post(
        "/api/v1/auth/code", json={"destination": "Anna.Petrova@School.example"}
    )
    assert response.status_code == 202
    assert response.json()["sent_to"] == "a***@school.example"
    code = await platform.mail.code_for("anna.petrova@school.example")

    response = await platform.http.post(
        "/api/v1/auth/token", json={"destination": "anna.petrova@school.example", "code": code}
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["account_created"] is True
    assert tokens["token_type"] == "Bearer"

    me = await platform.http.get("/api/v1/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["email"] == "anna.petrova@school.example"
    assert me.json()["id"] == tokens["user_id"]


async def test_sign_in_by_russian_phone_through_sms_provider(platform: Platform) -> None:
    tokens = await platform.sign_in("8 (916) 555-12-34")
    me = (await platform.http.get("/api/v1/me", headers=bearer(tokens))).json()
    assert me["phone"] == "+79165551234"
