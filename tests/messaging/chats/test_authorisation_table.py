"""Who may call which chat endpoint, as a table: every endpoint × every role (operator staff, the
school's administrator, head, teacher, class teacher, student, parent, an outsider and another
school's administrator), with the status each must get (services/messaging/README.md). Chats are
inside the organisation's closed space (R-ORG-1): whoever is not its member gets 404, operator staff
included. A new chat endpoint without a row here fails the test."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest_asyncio

from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore as DirectoryStore
from tests.support.chats import create_chat, join, post, synced, system_channel
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.roles import ROLES, World, world

__all__ = ["world"]

MEMBERS = ("admin", "head", "teacher", "class_teacher", "student", "parent")
_titles = itertools.count(1)


class ChatWorld:
    def __init__(self, world: World, channel: dict[str, Any], deputy: str) -> None:
        self.world = world
        self.channel = channel
        # A staff member of the school channel outside the table's roles: the one named moderator.
        self.deputy = deputy

    @property
    def platform(self) -> Platform:
        return self.world.platform

    def tokens(self, role: str) -> dict[str, Any]:
        return self.world.tokens[role]


@pytest_asyncio.fixture(scope="module")
async def chat_world(world: World) -> ChatWorld:
    for role in MEMBERS:
        await synced(world.platform, world.school, world.tokens[role]["user_id"], lambda p: p.is_member)
    channel = await system_channel(world.platform, world.school, world.tokens["admin"], "school")
    for role in MEMBERS:
        await join(world.platform, channel, world.tokens[role])
    deputy = await world.platform.sign_in("deputy@table.example")
    async with world.platform.directory.runtime.db.transaction("test_seed_member") as conn:
        await set_member_roles(
            DirectoryStore(),
            conn,
            organisation_id=uuid.UUID(world.school),
            user_id=uuid.UUID(deputy["user_id"]),
            roles=["teacher"],
            action="test_seed",
            actor=None,
        )
    await synced(world.platform, world.school, deputy["user_id"], lambda p: p.is_staff)
    await join(world.platform, channel, deputy)
    return ChatWorld(world, channel, deputy["user_id"])


Call = Callable[[ChatWorld, dict[str, str], str], Awaitable[int]]


def request(method: str, path: str, body: dict[str, Any] | None = None) -> Call:
    """A call on the school channel ({chat}) or the school ({org})."""

    async def call(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
        url = path.format(chat=cw.channel["id"], org=cw.world.school)
        return (await cw.platform.http.request(method, url, headers=headers, json=body)).status_code

    return call


def on_admins_message(method: str, body: dict[str, Any] | None = None) -> Call:
    """PATCH/DELETE of a fresh message the administrator posted in the school channel."""

    async def call(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
        posted = ok(await post(cw.platform, cw.channel["id"], cw.tokens("admin"), "Объявление"), 201)
        url = f"/api/v1/chats/{cw.channel['id']}/messages/{posted['seq']}"
        return (await cw.platform.http.request(method, url, headers=headers, json=body)).status_code

    return call


def on_invitation(action: str) -> Call:
    """Accept or decline an invitation to a new chat of the administrator's, made out to the caller
    where they can be invited (members), else to someone else's (then it is not theirs: 404)."""

    async def call(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
        chat = await create_chat(
            cw.platform, cw.world.school, cw.tokens("admin"), kind="other", title=f"Чат {next(_titles)}"
        )
        invitee = (
            cw.tokens(role)["user_id"]
            if role in MEMBERS and role != "admin"
            else cw.tokens("teacher")["user_id"]
        )
        invited = ok(
            await cw.platform.http.post(
                f"/api/v1/chats/{chat['id']}/invitations",
                headers=bearer(cw.tokens("admin")),
                json={"user_ids": [invitee]},
            ),
            201,
        )
        invitation = invited["invitations"][0]["id"]
        body = {"rules_version": 1} if action == "accept" else None
        url = f"/api/v1/chat-invitations/{invitation}:{action}"
        return (await cw.platform.http.post(url, headers=headers, json=body)).status_code

    return call


async def invite_parent(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
    """Invite the parent (already in the channel, so no invitation is made) to the school channel."""
    url = f"/api/v1/chats/{cw.channel['id']}/invitations"
    body = {"user_ids": [cw.tokens("parent")["user_id"]]}
    return (await cw.platform.http.post(url, headers=headers, json=body)).status_code


# --- moderation (R-MOD-1..5): the school channel has no creator, so its administrator moderates -----
Prepare = Callable[[ChatWorld], Awaitable[None]]


def moderate(
    method: str, path: str, body: dict[str, Any] | None = None, prepare: Prepare | None = None
) -> Call:
    """A moderation call on the school channel; {deputy} and {parent} name those people. `prepare`
    (as the administrator) puts the channel in the state the call needs before every call."""

    async def call(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
        if prepare is not None:
            await prepare(cw)
        names = {"chat": cw.channel["id"], "deputy": cw.deputy, "parent": cw.tokens("parent")["user_id"]}
        payload = {k: v.format(**names) if isinstance(v, str) else v for k, v in (body or {}).items()}
        url = path.format(**names)
        response = await cw.platform.http.request(method, url, headers=headers, json=payload or None)
        return response.status_code

    return call


async def remove_admins_message(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
    posted = ok(await post(cw.platform, cw.channel["id"], cw.tokens("admin"), "Лишнее"), 201)
    url = f"/api/v1/chats/{cw.channel['id']}/messages/{posted['seq']}:remove"
    return (await cw.platform.http.post(url, headers=headers, json={"rule": 3, "reason": "Спам"})).status_code


async def _as_admin(cw: ChatWorld, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    url = f"/api/v1/chats/{cw.channel['id']}{path}"
    return await cw.platform.http.request(method, url, headers=bearer(cw.tokens("admin")), json=body)


async def parent_has_four_violations(cw: ChatWorld) -> None:
    parent = cw.tokens("parent")["user_id"]
    found = ok(await _as_admin(cw, "GET", f"/violations?user_id={parent}"))["violations"]
    for _ in range(len(found), 4):
        ok(await _as_admin(cw, "POST", "/violations", {"user_id": parent, "rule": 2}), 201)


async def parent_may_be_blocked(cw: ChatWorld) -> None:
    await parent_has_four_violations(cw)
    lifted = await _as_admin(
        cw, "POST", f"/blocks/{cw.tokens('parent')['user_id']}:lift", {"reason": "Извинился"}
    )
    assert lifted.status_code in (200, 404), lifted.text


async def parent_is_blocked(cw: ChatWorld) -> None:
    await parent_has_four_violations(cw)
    body = {"user_id": cw.tokens("parent")["user_id"], "days": 1, "reason": "Четыре нарушения"}
    blocked = await _as_admin(cw, "POST", "/blocks", body)
    assert blocked.status_code in (201, 409), blocked.text


async def parent_is_in_the_channel(cw: ChatWorld) -> None:
    await join(cw.platform, cw.channel, cw.tokens("parent"))


# --- chat invite links (R-CHAT-6): made by the administrator on the school channel -----------------
async def admins_link(cw: ChatWorld) -> dict[str, Any]:
    return dict(ok(await _as_admin(cw, "POST", "/links", {"expires_in_days": 1}), 201))


def on_chat_link(method: str, suffix: str = "", body: dict[str, Any] | None = None) -> Call:
    """Preview or join through a fresh link of the administrator's to the school channel; the
    parent is put back in the channel first (moderation rows above remove them)."""

    async def call(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
        await parent_is_in_the_channel(cw)
        link = await admins_link(cw)
        url = f"/api/v1/chat-links/{link['token']}{suffix}"
        return (await cw.platform.http.request(method, url, headers=headers, json=body)).status_code

    return call


async def revoke_admins_link(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
    link = await admins_link(cw)
    url = f"/api/v1/chats/{cw.channel['id']}/links/{link['link']['id']}"
    return (await cw.platform.http.delete(url, headers=headers)).status_code


# --- polls (R-CHAT-3): on a fresh poll of the administrator's in the school channel ----------------
def on_admins_poll(method: str, suffix: str, body: dict[str, Any] | None = None) -> Call:
    """Vote, retract, close or list voters of a fresh open poll the administrator posted in the school
    channel; the parent is put back in the channel first (moderation rows remove them)."""

    async def call(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
        await parent_is_in_the_channel(cw)
        posted = ok(
            await _as_admin(cw, "POST", "/polls", {"question": "Удобно ли время?", "options": ["Да", "Нет"]}),
            201,
        )
        url = f"/api/v1/chats/{cw.channel['id']}/messages/{posted['seq']}{suffix}"
        return (await cw.platform.http.request(method, url, headers=headers, json=body)).status_code

    return call


# --- attachments (R-CHAT-3): uploading is posting; downloads are for the chat's members -------------
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


async def upload_to_channel(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
    url = f"/api/v1/chats/{cw.channel['id']}/attachments?name=plan.pdf"
    return (await cw.platform.http.post(url, headers=headers, content=b"%PDF-1.4\n%%EOF\n")).status_code


def on_admins_attachment(suffix: str) -> Call:
    """Download (or its thumbnail) a picture the administrator posted in the school channel."""

    async def call(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
        await parent_is_in_the_channel(cw)
        admin = bearer(cw.tokens("admin"))
        url = f"/api/v1/chats/{cw.channel['id']}/attachments?name=dot.png"
        uploaded = ok(await cw.platform.http.post(url, headers=admin, content=TINY_PNG), 201)
        ok(
            await cw.platform.http.post(
                f"/api/v1/chats/{cw.channel['id']}/messages",
                headers=admin,
                json={"text": "", "attachment_ids": [uploaded["id"]]},
            ),
            201,
        )
        path = f"/api/v1/attachments/{uploaded['id']}{suffix}"
        return (await cw.platform.http.get(path, headers=headers)).status_code

    return call


# --- calls (R-MEDIA-3): only the chat's members get into its call; media decides, the gateway asks it ---
async def join_channel_call(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
    """Join the school channel's call (starting it), then leave it again; the parent is put back in
    the channel first (moderation rows remove them)."""
    await parent_is_in_the_channel(cw)
    response = await cw.platform.http.post(f"/api/v1/chats/{cw.channel['id']}/call", headers=headers)
    if response.status_code == 200:
        joined = response.json()
        url = f"/api/v1/calls/{joined['call']['id']}/sessions/{joined['me']['session_id']}/leave"
        ok(await cw.platform.http.post(url, headers=headers))
    return response.status_code


async def see_channel_call(cw: ChatWorld, headers: dict[str, str], role: str) -> int:
    """The school channel's call in progress, while the administrator is in it."""
    await parent_is_in_the_channel(cw)
    admin = bearer(cw.tokens("admin"))
    call_url = f"/api/v1/chats/{cw.channel['id']}/call"
    joined = ok(await cw.platform.http.post(call_url, headers=admin))
    try:
        return (await cw.platform.http.get(call_url, headers=headers)).status_code
    finally:
        url = f"/api/v1/calls/{joined['call']['id']}/sessions/{joined['me']['session_id']}/leave"
        ok(await cw.platform.http.post(url, headers=admin))


def row(statuses: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(ROLES, statuses, strict=True))


#                              operator admin head teacher class_t student parent outsider other
ANY_SIGNED_IN = row((200, 200, 200, 200, 200, 200, 200, 200, 200))
MEMBERS_200 = row((404, 200, 200, 200, 200, 200, 200, 404, 404))
STAFF_CREATE = row((404, 201, 201, 201, 201, 403, 403, 404, 404))
STAFF_INVITE = row((404, 201, 201, 201, 201, 403, 403, 404, 404))
ADMIN_POSTS = row((404, 201, 409, 409, 409, 409, 409, 404, 404))
AUTHOR_ONLY = row((404, 200, 403, 403, 403, 403, 403, 404, 404))
INVITEE = row((404, 404, 200, 200, 200, 200, 200, 404, 404))
MODERATORS_200 = row((404, 200, 403, 403, 403, 403, 403, 404, 404))
MODERATORS_201 = row((404, 201, 403, 403, 403, 403, 403, 404, 404))
# R-STAT-1: the organisation's administrator and head see its statistics, operator staff every
# organisation's; anyone else in the school is refused, and outside it the school does not exist.
STATISTICS = row((200, 200, 200, 403, 403, 403, 403, 404, 404))
OPERATOR_ONLY = row((200, 403, 403, 403, 403, 403, 403, 403, 403))
ADMIN_ONLY = row((404, 200, 403, 403, 403, 403, 403, 404, 404))
# R-CHAT-6: a chat link is no way into the school: a non-member of the organisation is refused (409).
LINK_JOIN = row((409, 200, 200, 200, 200, 200, 200, 409, 409))

TABLE: dict[tuple[str, str], tuple[Call, dict[str, int]]] = {
    # Polls (R-CHAT-3): administrators post them in channels (R-CHAT-2), every member votes; the
    # voters of a channel poll are for its author, the channel's moderators and administrators.
    ("POST", "/api/v1/chats/{chat_id}/polls"): (
        request(
            "POST", "/api/v1/chats/{chat}/polls", {"question": "Когда?", "options": ["Утром", "Вечером"]}
        ),
        ADMIN_POSTS,
    ),
    ("POST", "/api/v1/chats/{chat_id}/messages/{seq}/votes"): (
        on_admins_poll("POST", "/votes", {"options": [0]}),
        MEMBERS_200,
    ),
    ("DELETE", "/api/v1/chats/{chat_id}/messages/{seq}/votes"): (
        on_admins_poll("DELETE", "/votes"),
        MEMBERS_200,
    ),
    ("POST", "/api/v1/chats/{chat_id}/messages/{seq}/poll:close"): (
        on_admins_poll("POST", "/poll:close"),
        MODERATORS_200,
    ),
    ("GET", "/api/v1/chats/{chat_id}/messages/{seq}/poll/voters"): (
        on_admins_poll("GET", "/poll/voters"),
        MODERATORS_200,
    ),
    ("GET", "/api/v1/chats"): (request("GET", "/api/v1/chats"), ANY_SIGNED_IN),
    ("POST", "/api/v1/orgs/{org_id}/chats"): (
        request("POST", "/api/v1/orgs/{org}/chats", {"kind": "other", "title": "Кружок"}),
        STAFF_CREATE,
    ),
    ("GET", "/api/v1/orgs/{org_id}/chats/joinable"): (
        request("GET", "/api/v1/orgs/{org}/chats/joinable"),
        MEMBERS_200,
    ),
    ("GET", "/api/v1/chats/{chat_id}"): (request("GET", "/api/v1/chats/{chat}"), MEMBERS_200),
    ("POST", "/api/v1/chats/{chat_id}:join"): (
        request("POST", "/api/v1/chats/{chat}:join", {"rules_version": 1}),
        MEMBERS_200,
    ),
    ("GET", "/api/v1/chats/{chat_id}/members"): (request("GET", "/api/v1/chats/{chat}/members"), MEMBERS_200),
    ("POST", "/api/v1/chats/{chat_id}/invitations"): (invite_parent, STAFF_INVITE),
    ("GET", "/api/v1/me/chat-invitations"): (request("GET", "/api/v1/me/chat-invitations"), ANY_SIGNED_IN),
    ("POST", "/api/v1/chat-invitations/{invitation_id}:accept"): (on_invitation("accept"), INVITEE),
    ("POST", "/api/v1/chat-invitations/{invitation_id}:decline"): (on_invitation("decline"), INVITEE),
    ("GET", "/api/v1/chats/{chat_id}/messages"): (
        request("GET", "/api/v1/chats/{chat}/messages"),
        MEMBERS_200,
    ),
    ("POST", "/api/v1/chats/{chat_id}/messages"): (
        request("POST", "/api/v1/chats/{chat}/messages", {"text": "Привет"}),
        ADMIN_POSTS,
    ),
    ("PATCH", "/api/v1/chats/{chat_id}/messages/{seq}"): (
        on_admins_message("PATCH", {"text": "Правка"}),
        AUTHOR_ONLY,
    ),
    ("DELETE", "/api/v1/chats/{chat_id}/messages/{seq}"): (on_admins_message("DELETE"), AUTHOR_ONLY),
    ("POST", "/api/v1/chats/{chat_id}:read"): (
        request("POST", "/api/v1/chats/{chat}:read", {"seq": 1}),
        MEMBERS_200,
    ),
    ("POST", "/api/v1/chats/{chat_id}/moderators"): (
        moderate("POST", "/api/v1/chats/{chat}/moderators", {"user_id": "{deputy}"}),
        MODERATORS_200,
    ),
    ("POST", "/api/v1/chats/{chat_id}/messages/{seq}:remove"): (remove_admins_message, MODERATORS_200),
    ("POST", "/api/v1/chats/{chat_id}/violations"): (
        moderate("POST", "/api/v1/chats/{chat}/violations", {"user_id": "{parent}", "rule": 1}),
        MODERATORS_201,
    ),
    # Without user_id: moderators see everyone's, a member their own reminders (R-MOD-2).
    ("GET", "/api/v1/chats/{chat_id}/violations"): (
        moderate("GET", "/api/v1/chats/{chat}/violations"),
        MEMBERS_200,
    ),
    ("POST", "/api/v1/chats/{chat_id}/blocks"): (
        moderate(
            "POST",
            "/api/v1/chats/{chat}/blocks",
            {"user_id": "{parent}", "days": 7, "reason": "Четыре нарушения"},
            parent_may_be_blocked,
        ),
        MODERATORS_201,
    ),
    # Without user_id: moderators see every block holding now, a member their own (R-MOD-3).
    ("GET", "/api/v1/chats/{chat_id}/blocks"): (
        moderate("GET", "/api/v1/chats/{chat}/blocks"),
        MEMBERS_200,
    ),
    ("POST", "/api/v1/chats/{chat_id}/blocks/{user_id}:lift"): (
        moderate(
            "POST", "/api/v1/chats/{chat}/blocks/{parent}:lift", {"reason": "Извинился"}, parent_is_blocked
        ),
        MODERATORS_200,
    ),
    ("POST", "/api/v1/chats/{chat_id}/members/{user_id}:remove"): (
        moderate(
            "POST",
            "/api/v1/chats/{chat}/members/{parent}:remove",
            {"rule": 2, "reason": "Грубость"},
            parent_is_in_the_channel,
        ),
        MODERATORS_200,
    ),
    ("GET", "/api/v1/chats/{chat_id}/audit"): (moderate("GET", "/api/v1/chats/{chat}/audit"), MODERATORS_200),
    # Full-text search: everyone signed in; non-members simply find nothing.
    ("GET", "/api/v1/search"): (request("GET", "/api/v1/search?q=Объявление"), ANY_SIGNED_IN),
    # Chat invite links (R-CHAT-6): the chat's moderators and the organisation's administrators.
    ("POST", "/api/v1/chats/{chat_id}/links"): (
        moderate("POST", "/api/v1/chats/{chat}/links", {"expires_in_days": 1}),
        MODERATORS_201,
    ),
    ("GET", "/api/v1/chats/{chat_id}/links"): (moderate("GET", "/api/v1/chats/{chat}/links"), MODERATORS_200),
    ("DELETE", "/api/v1/chats/{chat_id}/links/{link_id}"): (revoke_admins_link, MODERATORS_200),
    ("DELETE", "/api/v1/chats/{chat_id}/links"): (
        moderate("DELETE", "/api/v1/chats/{chat}/links"),
        MODERATORS_200,
    ),
    # Whoever holds a link sees what it leads to (no members); joining needs the organisation.
    ("GET", "/api/v1/chat-links/{token}"): (on_chat_link("GET"), ANY_SIGNED_IN),
    # Attachments (R-CHAT-3): uploading is posting (R-CHAT-2 in a channel); members download.
    ("POST", "/api/v1/chats/{chat_id}/attachments"): (upload_to_channel, ADMIN_POSTS),
    ("GET", "/api/v1/attachments/{attachment_id}"): (on_admins_attachment(""), MEMBERS_200),
    ("GET", "/api/v1/attachments/{attachment_id}/thumbnail"): (
        on_admins_attachment("/thumbnail"),
        MEMBERS_200,
    ),
    ("POST", "/api/v1/chat-links/{token}/join"): (
        on_chat_link("POST", "/join", {"rules_version": 1}),
        LINK_JOIN,
    ),
    # Calls (R-MEDIA-3): the chat's members join and see its call; to anyone else the chat is not there.
    ("POST", "/api/v1/chats/{chat_id}/call"): (join_channel_call, MEMBERS_200),
    ("GET", "/api/v1/chats/{chat_id}/call"): (see_channel_call, MEMBERS_200),
    # Weekly statistics (R-STAT-1), kept by messaging from events.
    ("GET", "/api/v1/orgs/{org_id}/statistics"): (
        request("GET", "/api/v1/orgs/{org}/statistics"),
        STATISTICS,
    ),
    ("GET", "/api/v1/operator/statistics"): (request("GET", "/api/v1/operator/statistics"), OPERATOR_ONLY),
    # Quiet hours of pushes to students: the administrator's setting.
    ("GET", "/api/v1/orgs/{org_id}/quiet-hours"): (
        request("GET", "/api/v1/orgs/{org}/quiet-hours"),
        ADMIN_ONLY,
    ),
    ("PUT", "/api/v1/orgs/{org_id}/quiet-hours"): (
        request("PUT", "/api/v1/orgs/{org}/quiet-hours", {"enabled": True, "start": "21:00", "end": "08:00"}),
        ADMIN_ONLY,
    ),
}

CHAT_PATHS = (
    "/api/v1/chats",
    "/api/v1/orgs/{org_id}/chats",
    "/api/v1/me/chat-invitations",
    "/api/v1/chat-invitations",
    "/api/v1/chat-links",
    "/api/v1/search",
    "/api/v1/attachments",
    "/api/v1/orgs/{org_id}/statistics",
    "/api/v1/operator/statistics",
    "/api/v1/orgs/{org_id}/quiet-hours",
)


async def test_every_chat_endpoint_answers_every_role_as_the_table_says(chat_world: ChatWorld) -> None:
    mismatches = []
    for (method, path), (call, expected) in TABLE.items():
        for role in ROLES:
            status = await call(chat_world, bearer(chat_world.tokens(role)), role)
            if status != expected[role]:
                mismatches.append(f"{method} {path} as {role}: {status}, expected {expected[role]}")
        anonymous = await call(chat_world, {}, "anonymous")
        if anonymous != 401:
            mismatches.append(f"{method} {path} without a token: {anonymous}")
    assert not mismatches, "\n".join(mismatches)


def test_every_chat_endpoint_has_a_row(platform: Platform) -> None:
    paths = platform.gateway.app.openapi()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(CHAT_PATHS)
        for method in operations
    }
    assert routes == set(TABLE), f"missing rows: {routes - set(TABLE)}; stale rows: {set(TABLE) - routes}"
