"""gRPC methods of joining: assignments, invites, parent links. Thin: read the request, call the
domain (`self._domains`), shape the reply; the rules live in assignments.py, invites.py, parents.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.common.v1 import common_pb2
from parta.directory.v1 import directory_pb2 as pb
from services.common.auth import current_principal
from services.common.convert import to_timestamp
from services.common.errors import InvalidArgument
from services.common.grpcserver import CLIENT_ADDRESS_KEY, metadata_value
from services.directory.applications import KINDS
from services.directory.domains import DirectoryDomains
from services.directory.invites import CreatedInvite, InviteSpec, shown_token
from services.directory.membership_events import ordered, role_name, role_value

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)


def _role(value: int) -> str:
    if value not in common_pb2.OrgRole.values() or value == common_pb2.ORG_ROLE_UNSPECIFIED:
        raise InvalidArgument("Укажите роль приглашаемого")
    return role_name(value)


def _roles(names: Any) -> list[Any]:
    return [role_value(name) for name in ordered(names)]


def invite_message(row: Row[Any]) -> pb.Invite:
    return pb.Invite(
        id=str(row.id),
        organisation_id=str(row.organisation_id),
        class_id=str(row.class_id),
        role=role_value(row.role),
        student_id=str(row.student_id or ""),
        expires_at=to_timestamp(row.expires_at),
        max_uses=row.max_uses,
        uses=row.uses,
        revoked=row.revoked_at is not None,
        created_by=str(row.created_by),
        created_at=to_timestamp(row.created_at),
        label=row.label,
        token=shown_token(row, datetime.now(UTC)),
    )


def created_invite_message(created: CreatedInvite) -> pb.CreatedInvite:
    return pb.CreatedInvite(invite=invite_message(created.invite), token=created.token)


def subject_message(row: Row[Any]) -> pb.SubjectAssignment:
    return pb.SubjectAssignment(
        organisation_id=str(row.organisation_id),
        class_id=str(row.class_id),
        subject=row.subject,
        user_id=str(row.user_id),
    )


def parent_link_message(row: Row[Any]) -> pb.ParentLink:
    return pb.ParentLink(
        organisation_id=str(row.organisation_id),
        parent_id=str(row.parent_id),
        child_id=str(row.child_id),
        created_at=to_timestamp(row.created_at),
        relation=row.relation,
    )


class JoiningApi:
    _domains: DirectoryDomains

    # --- assignments (R-ROLE-3, R-ROLE-4) ---------------------------------------------------
    async def AppointAdministrator(self, request: pb.MemberRequest, context: Context) -> pb.Member:
        appointed = await self._domains.assignments.appoint_administrator(
            current_principal(), request.organisation_id, request.user_id
        )
        row = appointed.membership
        return pb.Member(
            user_id=str(row.user_id),
            roles=_roles(row.roles),
            joined_at=to_timestamp(row.joined_at),
            verified_roles=_roles(appointed.verified_roles),
        )

    async def AssignClassTeacher(self, request: pb.AssignClassTeacherRequest, context: Context) -> pb.Class:
        from services.directory.api import class_message  # api imports this module

        row = await self._domains.assignments.assign_class_teacher(
            current_principal(), request.organisation_id, request.class_id, request.user_id
        )
        reply = class_message(row)
        reply.class_teacher_id = str(uuid.UUID(request.user_id))  # parsed by the domain already
        return reply

    async def AssignSubjectTeacher(
        self, request: pb.AssignSubjectTeacherRequest, context: Context
    ) -> pb.SubjectAssignment:
        row = await self._domains.assignments.assign_subject_teacher(
            current_principal(), request.organisation_id, request.class_id, request.subject, request.user_id
        )
        return subject_message(row)

    async def ListSubjectAssignments(
        self, request: pb.ListSubjectAssignmentsRequest, context: Context
    ) -> pb.ListSubjectAssignmentsResponse:
        rows = await self._domains.assignments.subject_assignments(
            current_principal(), request.organisation_id, request.class_id
        )
        return pb.ListSubjectAssignmentsResponse(assignments=[subject_message(r) for r in rows])

    # --- invites (R-INV-1, R-INV-2, R-INV-5) ------------------------------------------------
    async def CreateInvite(self, request: pb.CreateInviteRequest, context: Context) -> pb.CreatedInvite:
        spec = InviteSpec(
            class_id=request.class_id,
            role=_role(request.role),
            student_id=request.student_id,
            expires_in_days=request.expires_in_days,
            max_uses=request.max_uses,
            label=request.label,
        )
        created = await self._domains.invites.create(current_principal(), request.organisation_id, spec)
        return created_invite_message(created)

    async def CreateInviteBatch(
        self, request: pb.CreateInviteBatchRequest, context: Context
    ) -> pb.CreatedInviteBatch:
        created = await self._domains.invites.create_batch(
            current_principal(),
            request.organisation_id,
            request.class_id,
            _role(request.role),
            list(request.labels),
            request.expires_in_days,
        )
        return pb.CreatedInviteBatch(invites=[created_invite_message(c) for c in created])

    async def ListInvites(self, request: pb.ListInvitesRequest, context: Context) -> pb.ListInvitesResponse:
        rows = await self._domains.invites.list(
            current_principal(), request.organisation_id, request.class_id, request.include_inactive
        )
        return pb.ListInvitesResponse(invites=[invite_message(r) for r in rows])

    async def RevokeInvite(self, request: pb.RevokeInviteRequest, context: Context) -> pb.Invite:
        row = await self._domains.invites.revoke(
            current_principal(), request.organisation_id, request.invite_id
        )
        return invite_message(row)

    async def RevokeAllInvites(
        self, request: pb.RevokeAllInvitesRequest, context: Context
    ) -> pb.RevokeAllInvitesResponse:
        revoked = await self._domains.invites.revoke_all(current_principal(), request.organisation_id)
        return pb.RevokeAllInvitesResponse(revoked=revoked)

    async def PreviewInvite(self, request: pb.InviteTokenRequest, context: Context) -> pb.InvitePreview:
        preview = await self._domains.invites.preview(
            request.token, metadata_value(context, CLIENT_ADDRESS_KEY)
        )
        return pb.InvitePreview(
            organisation_name=preview.organisation.name,
            organisation_kind=KINDS.index(preview.organisation.kind) + 1,  # type: ignore[arg-type]
            class_name=preview.class_name,
            role=role_value(preview.role),
            expires_at=to_timestamp(preview.expires_at),
        )

    async def AcceptInvite(self, request: pb.InviteTokenRequest, context: Context) -> pb.Organisation:
        from services.directory.api import organisation_message  # api imports this module
        from services.directory.api_people import claim_from  # api_people imports the domains

        mine = await self._domains.invites.accept(
            current_principal(),
            request.token,
            metadata_value(context, CLIENT_ADDRESS_KEY),
            claim=claim_from(request.parent),
        )
        return organisation_message(mine)

    async def ListClassStudentsForInvite(
        self, request: pb.InviteTokenRequest, context: Context
    ) -> pb.ClassStudents:
        current_principal()  # signed in only
        rows = await self._domains.class_roster.for_parent_link(
            request.token, metadata_value(context, CLIENT_ADDRESS_KEY)
        )
        return pb.ClassStudents(
            students=[
                pb.ClassStudent(user_id=str(r.user_id), first_name=r.first_name, last_name=r.last_name)
                for r in rows
            ]
        )

    async def PreviewJoinCode(self, request: pb.JoinCodeRequest, context: Context) -> pb.JoinCodePreview:
        from services.directory.api import class_message  # api imports this module

        preview = await self._domains.join_codes.preview(
            request.join_code, current_principal().user_id, metadata_value(context, CLIENT_ADDRESS_KEY)
        )
        return pb.JoinCodePreview(
            organisation_name=preview.organisation.name,
            organisation_kind=KINDS.index(preview.organisation.kind) + 1,  # type: ignore[arg-type]
            classes=[
                pb.JoinCodeClass(id=c.id, name=c.name, kind=c.kind)
                for c in (class_message(row) for row in preview.classes)
            ],
        )

    # --- parents (R-ROLE-6) -----------------------------------------------------------------
    async def LinkParent(self, request: pb.LinkParentRequest, context: Context) -> pb.ParentLink:
        row = await self._domains.parents.link(
            current_principal(), request.organisation_id, request.parent_id, request.child_id
        )
        return parent_link_message(row)

    async def ListParentLinks(
        self, request: pb.ListParentLinksRequest, context: Context
    ) -> pb.ListParentLinksResponse:
        rows = await self._domains.parents.list(
            current_principal(), request.organisation_id, request.child_id, request.parent_id
        )
        return pb.ListParentLinksResponse(links=[parent_link_message(r) for r in rows])
