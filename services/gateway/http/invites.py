"""Invite links: made one at a time or as a batch (with the CSV to hand out), listed, revoked,
previewed and accepted: /api/v1/orgs/{org}/invites and /api/v1/invites/{token} (R-INV-1, R-INV-2,
R-INV-5).
The routes with their request and response bodies."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from parta.directory.v1 import joining_pb2, organisations_pb2
from services.common.convert import role_name, role_value
from services.gateway.clients import Backends
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import (
    ORGANISATION_KINDS,
    InviteAcceptIn,
    OrganisationOut,
    claim_message,
    organisation_out,
)
from services.gateway.views import timestamp

RoleName = Literal[
    "administrator", "head", "administration", "teacher", "class_teacher", "educator", "student", "parent"
]


class InviteIn(BaseModel):
    """R-INV-1: a link bound to a class (or the staff room for staff) and a role."""

    class_id: str = Field(max_length=64)
    role: RoleName
    student_id: str = Field(default="", max_length=64, description="a parent link for this student")
    expires_in_days: int = Field(default=0, ge=0, le=90, description="0: a week")
    max_uses: int = Field(default=0, ge=0, le=1000, description="0: 40 for a student link, else 1")
    label: str = Field(default="", max_length=200, examples=["Иванов Иван"])


class InviteBatchIn(BaseModel):
    role: RoleName
    labels: list[str] = Field(min_length=1, max_length=200, description="one single-use link per label")
    expires_in_days: int = Field(default=0, ge=0, le=90)


class InviteOut(BaseModel):
    id: str
    class_id: str
    role: str
    student_id: str | None
    expires_at: datetime | None
    max_uses: int
    uses: int
    revoked: bool
    created_by: str
    created_at: datetime | None
    label: str
    link: str | None = Field(
        default=None,
        description="the link again, for those who may make it, while it is usable (a link made one at "
        "a time keeps its token, revoking clears it); null for batch links (R-INV-2)",
        examples=["/invite/3q2-7wEjx..."],
    )


class CreatedInviteOut(BaseModel):
    invite: InviteOut
    token: str = Field(description="a batch link's token is shown only now: only its hash is kept (R-INV-2)")
    link: str = Field(examples=["/invite/3q2-7wEjx..."])


class Invites(BaseModel):
    invites: list[InviteOut]


class RevokedInvites(BaseModel):
    revoked: int


class InvitePreviewOut(BaseModel):
    organisation_name: str
    organisation_kind: str
    class_name: str
    role: str
    expires_at: datetime | None


router = APIRouter(tags=["joining"])
ORGS = "/api/v1/orgs/{org_id}"
CSV_HEADER = ("ФИО/метка", "роль", "класс", "ссылка", "действует до")
CSV_SEPARATOR = ";"  # what a spreadsheet program set up for Russian reads as columns
FILE_ROLES = {"student": "ученики", "parent": "родители"}
LATIN_LETTERS = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh sch _ y _ e yu ya"
LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", LATIN_LETTERS.replace("_", "").split(" "), strict=True))
ROLE_TITLES = {
    "head": "руководитель",
    "administration": "администрация",
    "teacher": "учитель",
    "educator": "воспитатель",
    "student": "ученик",
    "parent": "родитель",
}


def invite_link(token: str) -> str:
    return f"/invite/{token}"


def invite_out(invite: joining_pb2.Invite) -> InviteOut:
    return InviteOut.model_validate(
        {
            "id": invite.id,
            "class_id": invite.class_id,
            "role": role_name(invite.role),
            "student_id": invite.student_id or None,
            "expires_at": timestamp(invite.expires_at),
            "max_uses": invite.max_uses,
            "uses": invite.uses,
            "revoked": invite.revoked,
            "created_by": invite.created_by,
            "created_at": timestamp(invite.created_at),
            "label": invite.label,
            "link": invite_link(invite.token) if invite.token else None,
        }
    )


def created_out(created: joining_pb2.CreatedInvite) -> CreatedInviteOut:
    return CreatedInviteOut(
        invite=invite_out(created.invite), token=created.token, link=invite_link(created.token)
    )


def csv_file_names(class_name: str, role: str) -> tuple[str, str]:
    """The handout's file name, e.g. «Приглашения-5Б-родители.csv», and its ASCII stand-in for
    programs that do not read RFC 5987 (`invites-5B-parents.csv`)."""
    cleaned = "-".join("".join(c for c in class_name if c.isalnum() or c.isspace()).split())
    russian = "-".join(part for part in ("Приглашения", cleaned, FILE_ROLES.get(role, role)) if part)
    latin = "".join(_latin(c) for c in cleaned)
    ascii_name = "-".join(part for part in ("invites", latin, role + "s") if part)
    return russian + ".csv", ascii_name + ".csv"


def _latin(char: str) -> str:
    if char.isascii():
        return char
    latin = LATIN.get(char.lower(), "")
    return latin.upper() if char.isupper() else latin


def content_disposition(russian: str, ascii_name: str) -> str:
    """`attachment` with the Russian name per RFC 5987/6266 and an ASCII fallback."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(russian, safe='')}"


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet program shows as text, never runs as a formula."""
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def invites_csv(batch: joining_pb2.CreatedInviteBatch, class_name: str, base_url: str, time_zone: str) -> str:
    """The printable handout: one row per link, the link's only appearance (R-INV-2).
    Starts with a byte-order mark so spreadsheet programs read the Cyrillic right."""
    zone = ZoneInfo(time_zone)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for created in batch.invites:
        expires: datetime = created.invite.expires_at.ToDatetime(tzinfo=ZoneInfo("UTC")).astimezone(zone)
        writer.writerow(
            (
                spreadsheet_safe(created.invite.label),
                ROLE_TITLES.get(role_name(created.invite.role), role_name(created.invite.role)),
                class_name,
                base_url + invite_link(created.token),
                expires.strftime("%d.%m.%Y %H:%M"),
            )
        )
    return "\ufeff" + out.getvalue()


@router.post(
    ORGS + "/invites",
    status_code=201,
    summary="Create an invite link; its token is shown only now (R-INV-1, R-INV-2)",
)
async def create_invite(org_id: str, body: InviteIn, backends: BackendsDep) -> CreatedInviteOut:
    request = joining_pb2.CreateInviteRequest(
        organisation_id=org_id,
        class_id=body.class_id,
        role=role_value(body.role),
        student_id=body.student_id,
        expires_in_days=body.expires_in_days,
        max_uses=body.max_uses,
        label=body.label,
    )
    reply = await backends.joining.CreateInvite(request)
    return created_out(reply)


@router.post(
    ORGS + "/classes/{class_id}/invites:batch",
    status_code=201,
    summary="One single-use link per label, as CSV for printing (R-INV-1, R-INV-2)",
    response_class=Response,
    responses={
        201: {"content": {"text/csv": {}}, "description": "ФИО/метка, роль, класс, ссылка, действует до"}
    },
)
async def create_invite_batch(
    org_id: str, class_id: str, body: InviteBatchIn, backends: BackendsDep, request: Request
) -> Response:
    batch = await backends.joining.CreateInviteBatch(
        joining_pb2.CreateInviteBatchRequest(
            organisation_id=org_id,
            class_id=class_id,
            role=role_value(body.role),
            labels=body.labels,
            expires_in_days=body.expires_in_days,
        )
    )
    class_name, time_zone = await _class_name_and_zone(backends, org_id, class_id)
    public_url = request.app.state.settings.public_url or str(request.base_url)
    content = invites_csv(batch, class_name, public_url.rstrip("/"), time_zone)
    return Response(
        content=content.encode(),
        status_code=201,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(*csv_file_names(class_name, body.role))},
    )


async def _class_name_and_zone(backends: Backends, org_id: str, class_id: str) -> tuple[str, str]:
    organisation = await backends.organisations.GetOrganisation(
        organisations_pb2.GetOrganisationRequest(organisation_id=org_id)
    )
    classes = await backends.organisations.ListClasses(
        organisations_pb2.ListClassesRequest(organisation_id=org_id)
    )
    names = {c.id: c.name for c in classes.classes}
    return names.get(class_id, ""), organisation.time_zone or "UTC"


@router.get(ORGS + "/invites", summary="Invite links (the administrator; a class teacher, their classes')")
async def list_invites(
    org_id: str, backends: BackendsDep, class_id: str = "", include_inactive: bool = False
) -> Invites:
    reply = await backends.joining.ListInvites(
        joining_pb2.ListInvitesRequest(
            organisation_id=org_id, class_id=class_id, include_inactive=include_inactive
        )
    )
    return Invites(invites=[invite_out(i) for i in reply.invites])


@router.post(ORGS + "/invites/{invite_id}:revoke", summary="Revoke one link (R-INV-2)")
async def revoke_invite(org_id: str, invite_id: str, backends: BackendsDep) -> InviteOut:
    reply = await backends.joining.RevokeInvite(
        joining_pb2.RevokeInviteRequest(organisation_id=org_id, invite_id=invite_id)
    )
    return invite_out(reply)


@router.post(
    ORGS + "/invites:revoke-all",
    summary="Revoke every unused link of the organisation at once (the administrator, R-INV-2)",
)
async def revoke_all_invites(org_id: str, backends: BackendsDep) -> RevokedInvites:
    reply = await backends.joining.RevokeAllInvites(
        joining_pb2.RevokeAllInvitesRequest(organisation_id=org_id)
    )
    return RevokedInvites(revoked=reply.revoked)


@router.get("/api/v1/invites/{token}", summary="What a link leads to, before signing in (no members shown)")
async def preview_invite(token: str, backends: BackendsDep) -> InvitePreviewOut:
    reply = await backends.joining.PreviewInvite(joining_pb2.InviteTokenRequest(token=token))
    return InvitePreviewOut.model_validate(
        {
            "organisation_name": reply.organisation_name,
            "organisation_kind": ORGANISATION_KINDS[reply.organisation_kind - 1],
            "class_name": reply.class_name,
            "role": role_name(reply.role),
            "expires_at": timestamp(reply.expires_at),
        }
    )


@router.post("/api/v1/invites/{token}:accept", summary="Join through a link (R-INV-5)")
async def accept_invite(
    token: str, backends: BackendsDep, body: InviteAcceptIn | None = None
) -> OrganisationOut:
    # R-ROLE-6: with a parent's link the parent says which child and who they are to them.
    parent = claim_message(body.parent if body is not None else None)
    reply = await backends.joining.AcceptInvite(joining_pb2.InviteTokenRequest(token=token, parent=parent))
    return organisation_out(reply)
