"""Who may call which directory endpoint, as a table: every endpoint × every role, with the status
each must get (services/directory/README.md, "Visibility"). Another school's member and an
outsider get 404, never data (R-ORG-1). A new endpoint without a row here fails the test."""

from __future__ import annotations

from tests.directory import authz_joining, authz_people, authz_public
from tests.directory.authz import (
    ADMIN_ONLY,
    ANY_SIGNED_IN_200,
    ANY_SIGNED_IN_201,
    MEMBERS_READ,
    OPERATOR_ONLY,
    STAFF_READ,
    Rows,
    application_call,
    class_name_body,
    created,
    get_call,
    send_call,
    submit_call,
    unit_name_body,
)
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.roles import ROLES, World, world

__all__ = ["world"]

CORE: Rows = {
    ("POST", "/api/v1/applications"): (submit_call, ANY_SIGNED_IN_201),
    ("GET", "/api/v1/applications"): (get_call("/api/v1/applications"), OPERATOR_ONLY),
    ("GET", "/api/v1/applications/{application_id}"): (
        application_call("GET", ""),
        {**OPERATOR_ONLY, **{r: 404 for r in ROLES if r != "operator"}},
    ),
    ("GET", "/api/v1/applications/{application_id}/document"): (
        application_call("GET", "/document"),
        OPERATOR_ONLY,
    ),
    ("POST", "/api/v1/applications/{application_id}:approve"): (
        application_call("POST", ":approve"),
        OPERATOR_ONLY,
    ),
    ("POST", "/api/v1/applications/{application_id}:reject"): (
        application_call("POST", ":reject", {"reason": "Неполные сведения"}),
        OPERATOR_ONLY,
    ),
    ("GET", "/api/v1/orgs"): (get_call("/api/v1/orgs"), ANY_SIGNED_IN_200),
    ("GET", "/api/v1/orgs/{org_id}"): (get_call("/api/v1/orgs/{org}"), MEMBERS_READ),
    ("PATCH", "/api/v1/orgs/{org_id}"): (
        send_call("PATCH", "/api/v1/orgs/{org}", lambda: {"journal_url": "https://journal.example/x"}),
        ADMIN_ONLY,
    ),
    ("POST", "/api/v1/orgs/{org_id}/units"): (
        send_call("POST", "/api/v1/orgs/{org}/units", unit_name_body),
        created(ADMIN_ONLY),
    ),
    ("GET", "/api/v1/orgs/{org_id}/units"): (get_call("/api/v1/orgs/{org}/units"), MEMBERS_READ),
    ("POST", "/api/v1/orgs/{org_id}/classes"): (
        send_call("POST", "/api/v1/orgs/{org}/classes", class_name_body),
        created(ADMIN_ONLY),
    ),
    ("GET", "/api/v1/orgs/{org_id}/classes"): (get_call("/api/v1/orgs/{org}/classes"), MEMBERS_READ),
    ("GET", "/api/v1/orgs/{org_id}/members"): (get_call("/api/v1/orgs/{org}/members"), STAFF_READ),
}


# Acceptance rows (authz_public) go last: they give people roles.
TABLE: Rows = {**CORE, **authz_joining.TABLE, **authz_people.TABLE, **authz_public.TABLE}


DIRECTORY_PATHS = (
    "/api/v1/orgs",
    "/api/v1/applications",
    "/api/v1/invites",
    "/api/v1/join-requests",
    "/api/v1/join-codes",
    "/api/v1/support-requests",
    "/api/v1/verifications",
)
# Chats, statistics and quiet hours under an organisation belong to messaging's table
# (tests/messaging/test_authorisation_table.py).
MESSAGING_PATHS = (
    "/api/v1/orgs/{org_id}/chats",
    "/api/v1/orgs/{org_id}/statistics",
    "/api/v1/orgs/{org_id}/quiet-hours",
    # Broadcasts are media's (tests/media/broadcasts/test_broadcasts.py).
    "/api/v1/orgs/{org_id}/broadcasts",
)


async def test_every_endpoint_answers_every_role_as_the_table_says(world: World) -> None:
    mismatches = []
    for (method, path), (call, expected) in TABLE.items():
        for role in ROLES:
            status = await call(world, bearer(world.tokens[role]))
            if status != expected[role]:
                mismatches.append(f"{method} {path} as {role}: {status}, expected {expected[role]}")
        anonymous = await call(world, {})
        if anonymous != expected.get("anonymous", 401):
            mismatches.append(f"{method} {path} without a token: {anonymous}")
    assert not mismatches, "\n".join(mismatches)


def test_every_directory_endpoint_has_a_row(platform: Platform) -> None:
    paths = platform.gateway.app.openapi()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(DIRECTORY_PATHS) and not path.startswith(MESSAGING_PATHS)
        for method in operations
    }
    assert routes == set(TABLE), f"missing rows: {routes - set(TABLE)}; stale rows: {set(TABLE) - routes}"
