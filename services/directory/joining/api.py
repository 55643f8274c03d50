"""The directory's gRPC service `parta.directory.v1.Joining`: invite links (R-INV-1, R-INV-2,
R-INV-5), a parents' link's class roster (R-ROLE-6), join codes and join requests (R-INV-3). Thin:
read the request, ask the domain, shape the reply; the rules live in invites.py, join_codes.py,
join_requests.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.common.v1 import common_pb2
from parta.directory.v1 import directory_pb2 as pb
from parta.directory.v1 import joining_pb2, joining_pb2_grpc
from services.common.auth import current_principal
from services.common.convert import id_text, requested_role_name, role_name, role_value, to_timestamp
from services.common.errors import InvalidArgument
from services.common.grpcserver import CLIENT_ADDRESS_KEY, metadata_value
from services.directory.joining import join_requests
from services.directory.joining.class_roster import ClassRoster
from services.directory.joining.invites import CreatedInvite, Invites, InviteSpec, shown_token
from services.directory.joining.join_codes import JoinCodes
from services.directory.joining.join_requests import JoinRequestForm, JoinRequests
from services.directory.joining.parts import OrganisationMessage
from services.directory.membership.kinship import ParentClaim, parse_claim
from services.directory.membership.parts import ClassMessage
from services.directory.organisations.parts import KINDS

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.directory.v1.Joining"
# Callable without a token: an invite's preview is shown before the invitee signs in.
PUBLIC_METHODS = frozenset({"PreviewInvite"})


def _invite_role(value: int) -> str:
    if value not in common_pb2.OrgRole.values() or value == common_pb2.ORG_ROLE_UNSPECIFIED:
        raise InvalidArgument("Укажите роль приглашаемого")
    return role_name(value)


def invite_message(row: Row[Any]) -> joining_pb2.Invite:
    return joining_pb2.Invite(
        id=str(row.id),
        organisation_id=str(row.organisation_id),
        class_id=str(row.class_id),
        role=role_value(row.role),
        student_id=id_text(row.student_id),
        expires_at=to_timestamp(row.expires_at),
        max_uses=row.max_uses,
        uses=row.uses,
        revoked=row.revoked_at is not None,
        created_by=str(row.created_by),
        created_at=to_timestamp(row.created_at),
        label=row.label,
        token=shown_token(row, datetime.now(UTC)),
    )


def created_invite_message(created: CreatedInvite) -> joining_pb2.CreatedInvite:
    return joining_pb2.CreatedInvite(invite=invite_message(created.invite), token=created.token)


def _enum_name(names: tuple[str, ...], value: int) -> str | None:
    """An enum's value (1-based, 0 = unspecified) as its name, None when unspecified."""
    return names[value - 1] if 1 <= value <= len(names) else None


def join_request_message(row: Row[Any]) -> joining_pb2.JoinRequest:
    return joining_pb2.JoinRequest(
        id=str(row.id),
        organisation_id=str(row.organisation_id),
        user_id=str(row.user_id),
        role=role_value(row.role),
        class_id=id_text(row.class_id),
        message=row.message,
        status=join_requests.STATUSES.index(row.status) + 1,  # type: ignore[arg-type]
        reason=row.reason,
        decided_by=id_text(row.decided_by),
        created_at=to_timestamp(row.created_at),
        decided_at=to_timestamp(row.decided_at),
        requester_name=row.requester_name,
        parent=joining_pb2.ParentClaim(
            child_id=id_text(row.child_id),
            child_first_name=row.child_first_name,
            child_last_name=row.child_last_name,
            relation=row.relation,
        ),
    )


def claim_from(message: joining_pb2.ParentClaim) -> ParentClaim | None:
    """A parent's claim from a request (R-ROLE-6); None when nothing was said."""
    return parse_claim(message.child_id, message.child_first_name, message.child_last_name, message.relation)


class JoiningApi(joining_pb2_grpc.JoiningServicer):
    """Joining's methods; an organisation and a class are shown as the organisations feature shows
    them (`organisation_message`, `class_message`, handed in by `main`)."""

    def __init__(
        self,
        invites: Invites,
        class_roster: ClassRoster,
        join_codes: JoinCodes,
        join_requests: JoinRequests,
        *,
        organisation_message: OrganisationMessage,
        class_message: ClassMessage,
    ) -> None:
        self._invites = invites
        self._class_roster = class_roster
        self._join_codes = join_codes
        self._join_requests = join_requests
        self._organisation_message = organisation_message
        self._class_message = class_message

    # --- invites (R-INV-1, R-INV-2, R-INV-5) ------------------------------------------------
    async def CreateInvite(
        self, request: joining_pb2.CreateInviteRequest, context: Context
    ) -> joining_pb2.CreatedInvite:
        spec = InviteSpec(
            class_id=request.class_id,
            role=_invite_role(request.role),
            student_id=request.student_id,
            expires_in_days=request.expires_in_days,
            max_uses=request.max_uses,
            label=request.label,
        )
        created = await self._invites.create(current_principal(), request.organisation_id, spec)
        return created_invite_message(created)

    async def CreateInviteBatch(
        self, request: joining_pb2.CreateInviteBatchRequest, context: Context
    ) -> joining_pb2.CreatedInviteBatch:
        created = await self._invites.create_batch(
            current_principal(),
            request.organisation_id,
            request.class_id,
            _invite_role(request.role),
            list(request.labels),
            request.expires_in_days,
        )
        return joining_pb2.CreatedInviteBatch(invites=[created_invite_message(c) for c in created])

    async def ListInvites(
        self, request: joining_pb2.ListInvitesRequest, context: Context
    ) -> joining_pb2.ListInvitesResponse:
        rows = await self._invites.list(
            current_principal(), request.organisation_id, request.class_id, request.include_inactive
        )
        return joining_pb2.ListInvitesResponse(invites=[invite_message(r) for r in rows])

    async def RevokeInvite(
        self, request: joining_pb2.RevokeInviteRequest, context: Context
    ) -> joining_pb2.Invite:
        row = await self._invites.revoke(current_principal(), request.organisation_id, request.invite_id)
        return invite_message(row)

    async def RevokeAllInvites(
        self, request: joining_pb2.RevokeAllInvitesRequest, context: Context
    ) -> joining_pb2.RevokeAllInvitesResponse:
        revoked = await self._invites.revoke_all(current_principal(), request.organisation_id)
        return joining_pb2.RevokeAllInvitesResponse(revoked=revoked)

    async def PreviewInvite(
        self, request: joining_pb2.InviteTokenRequest, context: Context
    ) -> joining_pb2.InvitePreview:
        preview = await self._invites.preview(request.token, metadata_value(context, CLIENT_ADDRESS_KEY))
        return joining_pb2.InvitePreview(
            organisation_name=preview.organisation.name,
            organisation_kind=KINDS.index(preview.organisation.kind) + 1,  # type: ignore[arg-type]
            class_name=preview.class_name,
            role=role_value(preview.role),
            expires_at=to_timestamp(preview.expires_at),
        )

    async def AcceptInvite(
        self, request: joining_pb2.InviteTokenRequest, context: Context
    ) -> pb.Organisation:

        mine = await self._invites.accept(
            current_principal(),
            request.token,
            metadata_value(context, CLIENT_ADDRESS_KEY),
            claim=claim_from(request.parent),
        )
        return self._organisation_message(mine)

    async def ListClassStudentsForInvite(
        self, request: joining_pb2.InviteTokenRequest, context: Context
    ) -> joining_pb2.ClassStudents:
        current_principal()  # signed in only
        rows = await self._class_roster.for_parent_link(
            request.token, metadata_value(context, CLIENT_ADDRESS_KEY)
        )
        return joining_pb2.ClassStudents(
            students=[
                joining_pb2.ClassStudent(
                    user_id=str(r.user_id), first_name=r.first_name, last_name=r.last_name
                )
                for r in rows
            ]
        )

    async def PreviewJoinCode(
        self, request: joining_pb2.JoinCodeRequest, context: Context
    ) -> joining_pb2.JoinCodePreview:

        preview = await self._join_codes.preview(
            request.join_code, current_principal().user_id, metadata_value(context, CLIENT_ADDRESS_KEY)
        )
        return joining_pb2.JoinCodePreview(
            organisation_name=preview.organisation.name,
            organisation_kind=KINDS.index(preview.organisation.kind) + 1,  # type: ignore[arg-type]
            classes=[
                joining_pb2.JoinCodeClass(id=c.id, name=c.name, kind=c.kind)
                for c in (self._class_message(row) for row in preview.classes)
            ],
        )

    # --- join requests (R-INV-3) ----------------------------------------------------------
    async def CreateJoinRequest(
        self, request: joining_pb2.CreateJoinRequestRequest, context: Context
    ) -> joining_pb2.JoinRequest:
        form = JoinRequestForm(
            join_code=request.join_code,
            role=requested_role_name(request.role),
            class_id=request.class_id,
            message=request.message,
            requester_name=request.requester_name,
            claim=claim_from(request.parent),
        )
        return join_request_message(await self._join_requests.create(current_principal(), form))

    async def ListJoinRequests(
        self, request: joining_pb2.ListJoinRequestsRequest, context: Context
    ) -> joining_pb2.ListJoinRequestsResponse:
        status = _enum_name(join_requests.STATUSES, request.status)
        rows = await self._join_requests.list(current_principal(), request.organisation_id, status)
        return joining_pb2.ListJoinRequestsResponse(requests=[join_request_message(r) for r in rows])

    async def DecideJoinRequest(
        self, request: joining_pb2.DecideJoinRequestRequest, context: Context
    ) -> joining_pb2.JoinRequest:
        row = await self._join_requests.decide(
            current_principal(),
            request.organisation_id,
            request.request_id,
            approve=request.approve,
            reason=request.reason,
        )
        return join_request_message(row)
