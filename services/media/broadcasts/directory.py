"""The `MembershipCheck` over gRPC: asks directory's `Members.CheckMembership` (with the caller's own
token, `with_classes`) who the caller is in the organisation now — roles, the class they study in,
their children's classes — to resolve a broadcast's audience (R-MEDIA-2) at each decision. Directory
holds membership; a broadcast is joined once per person, so one call per join is cheap, and a
person who left the school or changed class is answered as they are now."""

from __future__ import annotations

import grpc

from parta.directory.v1 import membership_pb2, membership_pb2_grpc
from services.common.auth import Principal
from services.common.convert import role_name
from services.common.errors import InvalidArgument, Unauthenticated, Unavailable
from services.common.logging import get_logger
from services.media.broadcasts.parts import Member

log = get_logger(__name__)


class DirectoryMembership:
    """`MembershipCheck` (the caller) and `AudienceLookup` (the members, as their administrator)."""

    def __init__(self, members: membership_pb2_grpc.MembersStub, *, timeout: float = 5.0) -> None:
        self._members = members
        self._timeout = timeout

    async def __call__(self, principal: Principal, organisation_id: str) -> Member:
        return await self.member(principal, organisation_id, "")

    async def member(self, principal: Principal, organisation_id: str, user_id: str) -> Member:
        """`user_id` (the caller when empty: any member may ask about themselves, staff about anyone)."""
        try:
            answer = await self._members.CheckMembership(
                membership_pb2.CheckMembershipRequest(
                    organisation_id=organisation_id, user_id=user_id, with_classes=True
                ),
                metadata=(("authorization", f"Bearer {principal.token}"),),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            code = error.code()
            if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED):
                return Member(member=False)
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidArgument(
                    error.details() or "Неверная организация", field="organisation_id"
                ) from None
            if code == grpc.StatusCode.UNAUTHENTICATED:
                raise Unauthenticated(error.details() or "Нужно войти") from None
            log.warning("membership.failed", code=code.name)
            raise Unavailable("Справочник школы сейчас недоступен, попробуйте ещё раз") from None
        return Member(
            member=answer.member,
            roles=frozenset(role_name(role) for role in answer.roles),
            class_ids=frozenset(answer.class_ids),
            children_class_ids=frozenset(answer.children_class_ids),
        )

    async def members(self, principal: Principal, organisation_id: str) -> list[tuple[str, frozenset[str]]]:
        """Every member with their roles (`Members.ListMembers`: staff only; [] when refused)."""
        try:
            answer = await self._members.ListMembers(
                membership_pb2.ListMembersRequest(organisation_id=organisation_id),
                metadata=(("authorization", f"Bearer {principal.token}"),),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            log.warning("members.failed", code=error.code().name)
            return []
        return [(m.user_id, frozenset(role_name(role) for role in m.roles)) for m in answer.members]
