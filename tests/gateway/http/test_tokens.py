"""Tokens: Ed25519 JWT access tokens checked locally, rotating refresh tokens with reuse detection,
logout, and the user's own sessions (devices)."""

from __future__ import annotations

import time

from tests.support.http import bearer
from tests.support.platform import Platform


async def test_tampered_access_token_is_401(platform: Platform) -> None:
    tokens = await platform.sign_in("tamper@school.example")
    header, payload, signature = tokens["access_token"].split(".")
    forged = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    response = await platform.http.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {header}.{forged}.{signature}"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


async def test_garbage_and_missing_tokens_are_401(platform: Platform) -> None:
    assert (
        await platform.http.get("/api/v1/me", headers={"Authorization": "Bearer not-a-jwt"})
    ).status_code == 401
    response = await platform.http.get("/api/v1/me")
    assert response.status_code == 401
    assert "без токена" in response.json()["error"]["message"]


async def test_expired_access_token_is_401(platform: Platform) -> None:
    tokens = await platform.sign_in("expired@school.example")
    old, _ = await platform.identity.keys.sign_access_token(
        user_id=tokens["user_id"], session_id=tokens["session_id"], issued_at=time.time() - 3600
    )
    response = await platform.http.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert response.status_code == 401
    assert "истёк" in response.json()["error"]["message"]


async def test_refresh_rotates_the_refresh_token(platform: Platform) -> None:
    tokens = await platform.sign_in("rotate@school.example")
    response = await platform.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 200
    fresh = response.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["session_id"] == tokens["session_id"]
    assert (await platform.http.get("/api/v1/me", headers=bearer(fresh))).status_code == 200


async def test_replayed_refresh_token_revokes_the_whole_family(platform: Platform) -> None:
    tokens = await platform.sign_in("replay@school.example")
    first = await platform.http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200
    # An attacker replays the old token: refused, and the session is ended.
    replay = await platform.http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert replay.status_code == 401
    assert "уже был использован" in replay.json()["error"]["message"]
    # So the newer token of the same family no longer works either...
    legit = await platform.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": first.json()["refresh_token"]}
    )
    assert legit.status_code == 401
    # ...and neither does the session's access token at identity.
    assert (await platform.http.get("/api/v1/me", headers=bearer(first.json()))).status_code == 401


async def test_logout_ends_the_session(platform: Platform) -> None:
    tokens = await platform.sign_in("logout@school.example")
    assert (await platform.http.post("/api/v1/auth/logout", headers=bearer(tokens))).status_code == 204
    assert (await platform.http.get("/api/v1/me", headers=bearer(tokens))).status_code == 401
    refresh = await platform.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_user_lists_and_revokes_own_sessions(platform: Platform) -> None:
    phone_tokens = await platform.sign_in("sessions@school.example", device_name="Телефон")
    laptop_tokens = await platform.sign_in_again("sessions@school.example", device_name="Ноутбук")
    listed = (await platform.http.get("/api/v1/me/sessions", headers=bearer(laptop_tokens))).json()[
        "sessions"
    ]
    assert {s["device_name"] for s in listed} == {"Телефон", "Ноутбук"}
    assert [s["current"] for s in listed if s["device_name"] == "Ноутбук"] == [True]

    other = next(s["id"] for s in listed if s["device_name"] == "Телефон")
    assert (
        await platform.http.delete(f"/api/v1/me/sessions/{other}", headers=bearer(laptop_tokens))
    ).status_code == 204
    assert (await platform.http.get("/api/v1/me", headers=bearer(phone_tokens))).status_code == 401
    assert (await platform.http.get("/api/v1/me", headers=bearer(laptop_tokens))).status_code == 200


async def test_someone_elses_session_cannot_be_revoked(platform: Platform) -> None:
    mine = await platform.sign_in("mine@school.example")
    theirs = await platform.sign_in("theirs@school.example")
    response = await platform.http.delete(f"/api/v1/me/sessions/{theirs['session_id']}", headers=bearer(mine))
    assert response.status_code == 404
    assert (await platform.http.get("/api/v1/me", headers=bearer(theirs))).status_code == 200


async def test_malformed_session_id_is_400(platform: Platform) -> None:
    tokens = await platform.sign_in("badsession@school.example")
    response = await platform.http.delete("/api/v1/me/sessions/not-a-uuid", headers=bearer(tokens))
    assert response.status_code == 400


async def test_access_token_names_the_login_the_code_proved(platform: Platform) -> None:
    """The phone a code reached is a claim (R-ORG-3 names the administrator by phone)."""
    import jwt

    tokens = await platform.sign_in("+7 916 777-00-11")
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["phone"] == "+79167770011"
    assert "email" not in claims
    fresh = (
        await platform.http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).json()
    assert jwt.decode(fresh["access_token"], options={"verify_signature": False})["phone"] == "+79167770011"
