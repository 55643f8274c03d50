"""Whether the caller is operator staff. The directory keeps operator staff (by the phone or e-mail
they sign in with) and publishes no event about them, so messaging asks it, with the caller's own
token, when it must know — for the operator's statistics (R-STAT-1)."""

from __future__ import annotations

import grpc

from parta.directory.v1 import organisations_pb2, organisations_pb2_grpc
from services.common.auth import Principal
from services.common.errors import Unauthenticated, Unavailable
from services.common.logging import get_logger

log = get_logger(__name__)


class DirectoryOperatorCheck:
    """An `OperatorCheck` that asks the directory over gRPC."""

    def __init__(self, directory: organisations_pb2_grpc.OrganisationsStub, *, timeout: float = 5.0) -> None:
        self._directory = directory
        self._timeout = timeout

    async def __call__(self, principal: Principal) -> bool:
        if not principal.token:
            return False
        try:
            status = await self._directory.CheckOperator(
                organisations_pb2.CheckOperatorRequest(),
                metadata=(("authorization", f"Bearer {principal.token}"),),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNAUTHENTICATED:
                raise Unauthenticated(error.details() or "Нужно войти") from None
            log.warning("operator_check.failed", code=error.code().name)
            raise Unavailable("Справочник организаций сейчас недоступен") from None
        return bool(status.operator)
