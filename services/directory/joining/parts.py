"""What joining asks of the membership and organisations features, declared as Protocols that `main`
fills with their stores (joining imports neither store), and how an organisation is shown in a reply
(`OrganisationMessage`, the organisations api's, handed in by `main` with membership's `ClassMessage`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.directory.v1 import directory_pb2 as pb
from services.directory.membership.enrolment import EnrolmentStore
from services.directory.organisations.parts import MyOrganisation

# An organisation with the caller's roles as the contract's `Organisation` (an accepted invite's reply).
OrganisationMessage = Callable[[MyOrganisation], pb.Organisation]


class Members(EnrolmentStore, Protocol):
    """Members, their classes and the class teachers, as the ways in read them (and enrolment writes)."""

    async def class_student_names(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, class_id: uuid.UUID
    ) -> Sequence[Row[Any]]: ...

    async def classes_led_by(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> list[uuid.UUID]: ...

    async def students_of_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> list[uuid.UUID]: ...

    async def class_teacher(self, conn: AsyncConnection, class_id: uuid.UUID) -> uuid.UUID | None: ...


class Organisations(Protocol):
    """Organisations and their classes, as the ways in read them."""

    async def classes(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, academic_year: str | None
    ) -> Sequence[Row[Any]]: ...

    async def get_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> Row[Any] | None: ...

    async def get_organisation(
        self, conn: AsyncConnection, organisation_id: uuid.UUID
    ) -> Row[Any] | None: ...

    async def organisation_by_join_code(self, conn: AsyncConnection, code: str) -> Row[Any] | None: ...

    async def staff_room(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> Row[Any] | None: ...
