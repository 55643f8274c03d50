"""What movement asks of the membership and organisations features, declared as Protocols that `main`
fills with their stores: movement imports neither store."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.directory.membership.enrolment import PlacementStore
from services.directory.membership.roles import RoleStore


class Members(RoleStore, PlacementStore, Protocol):
    """Members, students' classes and parent links, as a movement reads and changes them."""

    async def remove_student_class(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> None: ...

    async def students_of_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> list[uuid.UUID]: ...

    async def parents_of(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, child_id: uuid.UUID
    ) -> list[uuid.UUID]: ...

    async def children_of(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, parent_id: uuid.UUID
    ) -> list[uuid.UUID]: ...

    async def unlink_child(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, child_id: uuid.UUID
    ) -> None: ...

    async def remove_staff_assignments(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> None: ...


class Organisations(Protocol):
    """Classes of an organisation, as a transfer checks them and the rollover creates the next year's."""

    async def get_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> Row[Any] | None: ...

    async def classes(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, academic_year: str | None
    ) -> Sequence[Row[Any]]: ...

    async def class_by_name(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, name: str, academic_year: str
    ) -> Row[Any] | None: ...

    async def create_class(self, conn: AsyncConnection, **values: Any) -> Row[Any] | None: ...

    async def lock_organisation(
        self, conn: AsyncConnection, organisation_id: uuid.UUID
    ) -> Row[Any] | None: ...
