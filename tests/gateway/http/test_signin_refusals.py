"""Bad input at sign-in gets a clear 4xx with a human message, never a 500 (R-PRIV-3)."""

from __future__ import annotations

from sqlalchemy import update

from services.identity.schema import login_codes
from tests.support.platform import Platform


async def test_malformed_phone_is_400_with_message(platform: Platform) -> None:
    response = await platform.http.post("/api/v1/auth/code", json={"destination": "8 916 12"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_argument",
        "message": "Некорректный номер телефона: «8 916 12»",
    }


async def test_malformed_email_is_400_with_message(platform: Platform) -> None:
    response = await platform.http.post("/api/v1/auth/code", json={"destination": "ivan@@school"})
    assert response.status_code == 400
    assert "электронной почты" in response.json()["error"]["message"]


async def test_missing_field_is_400_not_422(platform: Platform) -> None:
    response = await platform.http.post("/api/v1/auth/code", json={})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_argument"
    assert "destination" in response.json()["error"]["message"]


async def test_second_code_within_a_minute_is_429_with_retry_after(platform: Platform) -> None:
    first = await platform.http.post("/api/v1/auth/code", json={"destination": "rate@school.example"})
    assert first.status_code == 202
    second = await platform.http.post("/api/v1/auth/code", json={"destination": "rate@school.example"})
    assert second.status_code == 429
    assert 55 <= int(second.headers["Retry-After"]) <= 61
    assert second.json()["error"]["code"] == "rate_limited"


async def test_wrong_code_six_times_locks_the_code(platform: Platform) -> None:
    destination = "guesser@school.example"
    assert (
        await platform.http.post("/api/v1/auth/code", json={"destination": destination})
    ).status_code == 202
    code = await platform.mail.code_for(destination)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    messages = []
    for _ in range(5):
        response = await platform.http.post(
            "/api/v1/auth/token", json={"destination": destination, "code": wrong}
        )
        assert response.status_code == 401
        messages.append(response.json()["error"]["message"])
    assert messages[0] == "Неверный код: осталось попыток — 4"
    assert "исчерпаны" in messages[4]
    # The sixth try fails even with the right code: five tries are all a code gets.
    response = await platform.http.post("/api/v1/auth/token", json={"destination": destination, "code": code})
    assert response.status_code == 401
    assert "Слишком много неверных попыток" in response.json()["error"]["message"]


async def test_expired_code_is_refused(platform: Platform) -> None:
    destination = "late@school.example"
    assert (
        await platform.http.post("/api/v1/auth/code", json={"destination": destination})
    ).status_code == 202
    code = await platform.mail.code_for(destination)
    async with platform.identity.runtime.db.transaction("test_expire_code") as conn:
        await conn.execute(
            update(login_codes)
            .where(login_codes.c.destination == destination)
            .values(expires_at=login_codes.c.created_at)
        )
    response = await platform.http.post("/api/v1/auth/token", json={"destination": destination, "code": code})
    assert response.status_code == 401
    assert "истёк" in response.json()["error"]["message"]


async def test_code_is_single_use(platform: Platform) -> None:
    destination = "once@school.example"
    await platform.sign_in(destination)
    code = await platform.mail.code_for(destination)
    response = await platform.http.post("/api/v1/auth/token", json={"destination": destination, "code": code})
    assert response.status_code == 401


async def test_code_for_another_destination_does_not_work(platform: Platform) -> None:
    assert (
        await platform.http.post("/api/v1/auth/code", json={"destination": "own@school.example"})
    ).status_code == 202
    code = await platform.mail.code_for("own@school.example")
    response = await platform.http.post(
        "/api/v1/auth/token", json={"destination": "other@school.example", "code": code}
    )
    assert response.status_code == 401


async def test_unknown_route_is_404_json(platform: Platform) -> None:
    response = await platform.http.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
