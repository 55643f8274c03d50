"""The directory's gRPC service `parta.directory.v1.Members`: the members list and the membership
check, appointments (R-ROLE-3, R-ROLE-4) and parent links (R-ROLE-6). Thin: read the request, ask the
domain, shape the reply."""

from __future__ import annotations

import uuid
from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.directory.v1 import directory_pb2 as pb
from parta.directory.v1 import membership_pb2, membership_pb2_grpc
from services.common.auth import current_principal
from services.common.convert import ordered_roles, role_value, to_timestamp
from services.directory.membership.assignments import Assignments
from services.directory.membership.members import Members
from services.directory.membership.parents import Parents
from services.directory.membership.parts import ClassMessage

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.directory.v1.Members"


def _roles(names: Any) -> list[Any]:
    return [role_value(name) for name in ordered_roles(names)]


def subject_message(row: Row[Any]) -> membership_pb2.SubjectAssignment:
    return membership_pb2.SubjectAssignment(
        organisation_id=str(row.organisation_id),
        class_id=str(row.class_id),
        subject=row.subject,
        user_id=str(row.user_id),
    )


def parent_link_message(row: Row[Any]) -> membership_pb2.ParentLink:
    return membership_pb2.ParentLink(
        organisation_id=str(row.organisation_id),
        parent_id=str(row.parent_id),
        child_id=str(row.child_id),
        created_at=to_timestamp(row.created_at),
        relation=row.relation,
    )


class MembershipApi(membership_pb2_grpc.MembersServicer):
    def __init__(
        self, members: Members, assignments: Assignments, parents: Parents, class_message: ClassMessage
    ) -> None:
        self._class_message = class_message
        self._members = members
        self._assignments = assignments
        self._parents = parents

    async def ListMembers(
        self, request: membership_pb2.ListMembersRequest, context: Context
    ) -> membership_pb2.ListMembersResponse:
        rows = await self._members.list(current_principal(), request.organisation_id)
        return membership_pb2.ListMembersResponse(
            members=[
                membership_pb2.Member(
                    user_id=str(m.membership.user_id),
                    roles=[role_value(role) for role in m.membership.roles],
                    joined_at=to_timestamp(m.membership.joined_at),
                    verified_roles=_roles(m.verified_roles),
                )
                for m in rows
            ]
        )

    async def CheckMembership(
        self, request: membership_pb2.CheckMembershipRequest, context: Context
    ) -> membership_pb2.Membership:
        principal = current_principal()
        roles = await self._members.roles_of(principal, request.organisation_id, request.user_id)
        if not roles or not request.with_classes:
            return membership_pb2.Membership(member=bool(roles), roles=_roles(roles))
        classes, children_classes = await self._members.classes_of(
            principal, request.organisation_id, request.user_id
        )
        return membership_pb2.Membership(
            member=True, roles=_roles(roles), class_ids=classes, children_class_ids=children_classes
        )

    # --- assignments (R-ROLE-3, R-ROLE-4) ---------------------------------------------------
    async def AppointAdministrator(
        self, request: membership_pb2.MemberRequest, context: Context
    ) -> membership_pb2.Member:
        appointed = await self._assignments.appoint_administrator(
            current_principal(), request.organisation_id, request.user_id
        )
        row = appointed.membership
        return membership_pb2.Member(
            user_id=str(row.user_id),
            roles=_roles(row.roles),
            joined_at=to_timestamp(row.joined_at),
            verified_roles=_roles(appointed.verified_roles),
        )

    async def AssignClassTeacher(
        self, request: membership_pb2.AssignClassTeacherRequest, context: Context
    ) -> pb.Class:

        row = await self._assignments.assign_class_teacher(
            current_principal(), request.organisation_id, request.class_id, request.user_id
        )
        reply = self._class_message(row)
        reply.class_teacher_id = str(uuid.UUID(request.user_id))  # parsed by the domain already
        return reply

    async def AssignSubjectTeacher(
        self, request: membership_pb2.AssignSubjectTeacherRequest, context: Context
    ) -> membership_pb2.SubjectAssignment:
        row = await self._assignments.assign_subject_teacher(
            current_principal(), request.organisation_id, request.class_id, request.subject, request.user_id
        )
        return subject_message(row)

    async def ListSubjectAssignments(
        self, request: membership_pb2.ListSubjectAssignmentsRequest, context: Context
    ) -> membership_pb2.ListSubjectAssignmentsResponse:
        rows = await self._assignments.subject_assignments(
            current_principal(), request.organisation_id, request.class_id
        )
        return membership_pb2.ListSubjectAssignmentsResponse(assignments=[subject_message(r) for r in rows])

    # --- parents (R-ROLE-6) -----------------------------------------------------------------
    async def LinkParent(
        self, request: membership_pb2.LinkParentRequest, context: Context
    ) -> membership_pb2.ParentLink:
        row = await self._parents.link(
            current_principal(), request.organisation_id, request.parent_id, request.child_id
        )
        return parent_link_message(row)

    async def ListParentLinks(
        self, request: membership_pb2.ListParentLinksRequest, context: Context
    ) -> membership_pb2.ListParentLinksResponse:
        rows = await self._parents.list(
            current_principal(), request.organisation_id, request.child_id, request.parent_id
        )
        return membership_pb2.ListParentLinksResponse(links=[parent_link_message(r) for r in rows])
