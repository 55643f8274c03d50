"""The school profile (R-PRIV-1) and child accounts signed in with a parent's e-mail (R-INV-4)."""

from __future__ import annotations

from sqlalchemy import select

from parta.events.v1 import identity_pb2 as events
from parta.events.v1.envelope_pb2 import EventEnvelope
from services.common.outbox import outbox
from tests.support.http import bearer
from tests.support.platform import Platform


async def test_child_signs_in_with_the_parents_email_which_receives_the_code(platform: Platform) -> None:
    child = {"child": {"first_name": "Миша", "last_name": "Соколов"}}
    tokens = await platform.sign_in("mama.sokolova@mail.example", **child)
    assert tokens["account_created"] is True
    assert "Код для входа ученика Миша Соколов" in platform.mail.messages[-1]["text"]
    me = (await platform.http.get("/api/v1/me", headers=bearer(tokens))).json()
    assert (me["first_name"], me["last_name"], me["guardian_email"], me["email"]) == (
        "Миша",
        "Соколов",
        "mama.sokolova@mail.example",
        None,
    )

    # The parent's own account is a different one, and it lists the child (the link is kept).
    parent = await platform.sign_in_again("mama.sokolova@mail.example")
    assert parent["user_id"] != tokens["user_id"]
    children = (await platform.http.get("/api/v1/me", headers=bearer(parent))).json()["children"]
    assert children == [{"user_id": tokens["user_id"], "first_name": "Миша", "last_name": "Соколов"}]

    # Signing in again as the same child finds the same account.
    again = await platform.sign_in_again(
        "mama.sokolova@mail.example", child={"first_name": "миша", "last_name": "СОКОЛОВ"}
    )
    assert (again["user_id"], again["account_created"]) == (tokens["user_id"], False)


async def test_child_sign_in_needs_an_email_not_a_phone(platform: Platform) -> None:
    response = await platform.http.post(
        "/api/v1/auth/code",
        json={"destination": "+7 916 000-11-22", "child": {"first_name": "Аня", "last_name": "Орлова"}},
    )
    assert response.status_code == 400
    assert response.json()["error"]["rule"] == "R-INV-4"


async def test_child_names_must_be_letters(platform: Platform) -> None:
    response = await platform.http.post(
        "/api/v1/auth/code",
        json={"destination": "papa@mail.example", "child": {"first_name": "<b>", "last_name": "X"}},
    )
    assert response.status_code == 400


async def test_profile_is_edited_and_published(platform: Platform) -> None:
    tokens = await platform.sign_in("profile@school.example")
    response = await platform.http.patch(
        "/api/v1/me",
        headers=bearer(tokens),
        json={"first_name": "Ольга", "last_name": "  Иванова ", "display_name": "Ольга Николаевна"},
    )
    assert response.status_code == 200
    me = response.json()
    assert (me["first_name"], me["last_name"], me["display_name"]) == ("Ольга", "Иванова", "Ольга Николаевна")
    async with platform.identity.runtime.db.transaction("test_read_outbox") as conn:
        payloads = (
            await conn.execute(
                select(outbox.c.payload).where(outbox.c.subject == "parta.identity.profile.updated")
            )
        ).scalars()
        published = []
        for raw in payloads:
            event = events.ProfileUpdated()
            EventEnvelope.FromString(raw).payload.Unpack(event)
            published.append((event.user_id, event.last_name))
    assert (tokens["user_id"], "Иванова") in published


async def test_a_name_keeps_no_bidi_override_or_invisible_character(platform: Platform) -> None:
    """A student cannot make their name read reversed (U+202E) or hide characters in it (U+200B)
    to imitate someone else: names are shown to others as they are seen."""
    tokens = await platform.sign_in("bidi@school.example")
    response = await platform.http.patch(
        "/api/v1/me",
        headers=bearer(tokens),
        json={"first_name": "\u202eанилО", "last_name": "Ива\u200bнова\u2066", "display_name": "\u200fОля"},
    )
    assert response.status_code == 200, response.text
    me = response.json()
    assert (me["first_name"], me["last_name"], me["display_name"]) == ("анилО", "Иванова", "Оля")


async def test_profile_links_to_no_outside_account(platform: Platform) -> None:
    """R-PRIV-1: the school profile is separate from any social-network account."""
    tokens = await platform.sign_in("private@school.example")
    me = (await platform.http.get("/api/v1/me", headers=bearer(tokens))).json()
    assert set(me) == {
        "id", "display_name", "first_name", "last_name", "avatar_url", "phone", "email",
        "guardian_email", "children", "verifications", "created_at",
    }  # fmt: skip
    for avatar in ("javascript:alert(1)", "http://vk.com/id1", "https://vk.com/id1?x=<script>"):
        response = await platform.http.patch(
            "/api/v1/me", headers=bearer(tokens), json={"avatar_url": avatar}
        )
        assert response.status_code == 400, avatar
    ok = await platform.http.patch(
        "/api/v1/me", headers=bearer(tokens), json={"avatar_url": "/files/avatars/1.png"}
    )
    assert ok.status_code == 200
