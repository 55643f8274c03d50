"""Assignments, invite links and parent links: /api/v1/orgs/{org}/... and /api/v1/invites/{token}
(R-ROLE-3, R-ROLE-4, R-ROLE-6, R-INV-1, R-INV-2, R-INV-5)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response

from parta.directory.v1 import directory_pb2 as pb
from services.common.convert import role_name, role_value
from services.gateway.deps import Rpc, RpcDep, timestamp
from services.gateway.directory_models import ORGANISATION_KINDS, ClassOut, MemberOut, OrganisationOut
from services.gateway.joining_models import (
    ClassTeacherIn,
    CreatedInviteOut,
    InviteBatchIn,
    InviteIn,
    InviteOut,
    InvitePreviewOut,
    Invites,
    ParentLinkIn,
    ParentLinkOut,
    ParentLinks,
    RevokedInvites,
    SubjectAssignmentOut,
    SubjectAssignments,
    SubjectIn,
)
from services.gateway.people_models import InviteAcceptIn
from services.gateway.routes.organisations import class_out, organisation_out
from services.gateway.routes.people import claim_message

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


def invite_out(invite: pb.Invite) -> InviteOut:
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


def created_out(created: pb.CreatedInvite) -> CreatedInviteOut:
    return CreatedInviteOut(
        invite=invite_out(created.invite), token=created.token, link=invite_link(created.token)
    )


def subject_out(reply: pb.SubjectAssignment) -> SubjectAssignmentOut:
    return SubjectAssignmentOut(class_id=reply.class_id, subject=reply.subject, user_id=reply.user_id)


def parent_link_out(reply: pb.ParentLink) -> ParentLinkOut:
    return ParentLinkOut.model_validate(
        {"parent_id": reply.parent_id, "child_id": reply.child_id, "created_at": timestamp(reply.created_at)}
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


def invites_csv(batch: pb.CreatedInviteBatch, class_name: str, base_url: str, time_zone: str) -> str:
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


# --- assignments (R-ROLE-3, R-ROLE-4) ---------------------------------------------------------
@router.post(
    ORGS + "/members/{user_id}:appoint-administrator",
    summary="Appoint an administrator from joined staff (the administrator, R-ROLE-3)",
)
async def appoint_administrator(org_id: str, user_id: str, rpc: RpcDep) -> MemberOut:
    reply = await rpc.clients.directory.AppointAdministrator(
        pb.MemberRequest(organisation_id=org_id, user_id=user_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return MemberOut.model_validate(
        {
            "user_id": reply.user_id,
            "roles": [role_name(r) for r in reply.roles],
            "verified_roles": [role_name(r) for r in reply.verified_roles],
            "joined_at": timestamp(reply.joined_at),
        }
    )


@router.put(
    ORGS + "/classes/{class_id}/class-teacher",
    summary="Assign the class teacher, replacing the previous one (the administrator, R-ROLE-4)",
)
async def assign_class_teacher(org_id: str, class_id: str, body: ClassTeacherIn, rpc: RpcDep) -> ClassOut:
    reply = await rpc.clients.directory.AssignClassTeacher(
        pb.AssignClassTeacherRequest(organisation_id=org_id, class_id=class_id, user_id=body.user_id),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return class_out(reply)


@router.post(
    ORGS + "/classes/{class_id}/subjects",
    status_code=201,
    summary="Assign a subject teacher to a class (the administrator, R-ROLE-4)",
)
async def assign_subject_teacher(
    org_id: str, class_id: str, body: SubjectIn, rpc: RpcDep
) -> SubjectAssignmentOut:
    reply = await rpc.clients.directory.AssignSubjectTeacher(
        pb.AssignSubjectTeacherRequest(
            organisation_id=org_id, class_id=class_id, subject=body.subject, user_id=body.user_id
        ),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return subject_out(reply)


@router.get(ORGS + "/subjects", summary="Subject teachers by class (the administrator, R-ROLE-4)")
async def list_subject_assignments(org_id: str, rpc: RpcDep, class_id: str = "") -> SubjectAssignments:
    reply = await rpc.clients.directory.ListSubjectAssignments(
        pb.ListSubjectAssignmentsRequest(organisation_id=org_id, class_id=class_id),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return SubjectAssignments(assignments=[subject_out(a) for a in reply.assignments])


# --- invite links (R-INV-1, R-INV-2) ----------------------------------------------------------
@router.post(
    ORGS + "/invites",
    status_code=201,
    summary="Create an invite link; its token is shown only now (R-INV-1, R-INV-2)",
)
async def create_invite(org_id: str, body: InviteIn, rpc: RpcDep) -> CreatedInviteOut:
    request = pb.CreateInviteRequest(
        organisation_id=org_id,
        class_id=body.class_id,
        role=role_value(body.role),
        student_id=body.student_id,
        expires_in_days=body.expires_in_days,
        max_uses=body.max_uses,
        label=body.label,
    )
    reply = await rpc.clients.directory.CreateInvite(request, metadata=rpc.metadata, timeout=rpc.timeout)
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
    org_id: str, class_id: str, body: InviteBatchIn, rpc: RpcDep, request: Request
) -> Response:
    batch = await rpc.clients.directory.CreateInviteBatch(
        pb.CreateInviteBatchRequest(
            organisation_id=org_id,
            class_id=class_id,
            role=role_value(body.role),
            labels=body.labels,
            expires_in_days=body.expires_in_days,
        ),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    class_name, time_zone = await _class_name_and_zone(rpc, org_id, class_id)
    public_url = request.app.state.settings.public_url or str(request.base_url)
    content = invites_csv(batch, class_name, public_url.rstrip("/"), time_zone)
    return Response(
        content=content.encode(),
        status_code=201,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(*csv_file_names(class_name, body.role))},
    )


async def _class_name_and_zone(rpc: Rpc, org_id: str, class_id: str) -> tuple[str, str]:
    organisation = await rpc.clients.directory.GetOrganisation(
        pb.GetOrganisationRequest(organisation_id=org_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    classes = await rpc.clients.directory.ListClasses(
        pb.ListClassesRequest(organisation_id=org_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    names = {c.id: c.name for c in classes.classes}
    return names.get(class_id, ""), organisation.time_zone or "UTC"


@router.get(ORGS + "/invites", summary="Invite links (the administrator; a class teacher, their classes')")
async def list_invites(
    org_id: str, rpc: RpcDep, class_id: str = "", include_inactive: bool = False
) -> Invites:
    reply = await rpc.clients.directory.ListInvites(
        pb.ListInvitesRequest(organisation_id=org_id, class_id=class_id, include_inactive=include_inactive),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return Invites(invites=[invite_out(i) for i in reply.invites])


@router.post(ORGS + "/invites/{invite_id}:revoke", summary="Revoke one link (R-INV-2)")
async def revoke_invite(org_id: str, invite_id: str, rpc: RpcDep) -> InviteOut:
    reply = await rpc.clients.directory.RevokeInvite(
        pb.RevokeInviteRequest(organisation_id=org_id, invite_id=invite_id),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return invite_out(reply)


@router.post(
    ORGS + "/invites:revoke-all",
    summary="Revoke every unused link of the organisation at once (the administrator, R-INV-2)",
)
async def revoke_all_invites(org_id: str, rpc: RpcDep) -> RevokedInvites:
    reply = await rpc.clients.directory.RevokeAllInvites(
        pb.RevokeAllInvitesRequest(organisation_id=org_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return RevokedInvites(revoked=reply.revoked)


@router.get("/api/v1/invites/{token}", summary="What a link leads to, before signing in (no members shown)")
async def preview_invite(token: str, rpc: RpcDep) -> InvitePreviewOut:
    reply = await rpc.clients.directory.PreviewInvite(
        pb.InviteTokenRequest(token=token), metadata=rpc.metadata, timeout=rpc.timeout
    )
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
async def accept_invite(token: str, rpc: RpcDep, body: InviteAcceptIn | None = None) -> OrganisationOut:
    # R-ROLE-6: with a parent's link the parent says which child and who they are to them.
    parent = claim_message(body.parent if body is not None else None)
    reply = await rpc.clients.directory.AcceptInvite(
        pb.InviteTokenRequest(token=token, parent=parent), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return organisation_out(reply)


# --- parent links (R-ROLE-6) ------------------------------------------------------------------
@router.post(
    ORGS + "/parents",
    status_code=201,
    summary="Link a parent to their child (the administrator or the child's class teacher, R-ROLE-6)",
)
async def link_parent(org_id: str, body: ParentLinkIn, rpc: RpcDep) -> ParentLinkOut:
    reply = await rpc.clients.directory.LinkParent(
        pb.LinkParentRequest(organisation_id=org_id, parent_id=body.parent_id, child_id=body.child_id),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return parent_link_out(reply)


@router.get(ORGS + "/parents", summary="Parent links (staff; a parent, their own children)")
async def list_parent_links(org_id: str, rpc: RpcDep, child_id: str = "", parent_id: str = "") -> ParentLinks:
    reply = await rpc.clients.directory.ListParentLinks(
        pb.ListParentLinksRequest(organisation_id=org_id, child_id=child_id, parent_id=parent_id),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return ParentLinks(links=[parent_link_out(link) for link in reply.links])
