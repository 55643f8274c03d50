"""The `ChatAccessCheck` over gRPC: asks messaging's `Chats.GetChatAccess` with the caller's own token
how they stand to a chat NOW (R-MEDIA-3). Messaging holds the chats' membership, blocks and
moderators; asking it at each decision (instead of keeping a read model of its events here) means a
call follows a removal or a block the moment messaging knows it, at the price of one gRPC call per
join, offer, subscription and moderator action — a few per person per call."""

from __future__ import annotations

import grpc

from parta.messaging.v1 import chats_pb2, chats_pb2_grpc
from services.common.auth import Principal
from services.common.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated, Unavailable
from services.common.logging import get_logger
from services.media.calls.parts import Standing

log = get_logger(__name__)

CHAT_NOT_FOUND = "Чат не найден"


class MessagingChatAccess:
    def __init__(self, chats: chats_pb2_grpc.ChatsStub, *, timeout: float = 5.0) -> None:
        self._chats = chats
        self._timeout = timeout

    async def __call__(self, principal: Principal, chat_id: str) -> Standing:
        try:
            access = await self._chats.GetChatAccess(
                chats_pb2.GetChatRequest(chat_id=chat_id),
                metadata=(("authorization", f"Bearer {principal.token}"),),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            code = error.code()
            if code == grpc.StatusCode.NOT_FOUND:
                raise NotFound(CHAT_NOT_FOUND, rule="R-MEDIA-3") from None
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidArgument(
                    error.details() or "Неверный идентификатор чата", field="chat_id"
                ) from None
            if code == grpc.StatusCode.UNAUTHENTICATED:
                raise Unauthenticated(error.details() or "Нужно войти") from None
            if code == grpc.StatusCode.PERMISSION_DENIED:
                raise PermissionDenied(error.details() or "Нет доступа к чату", rule="R-MEDIA-3") from None
            log.warning("chat_access.failed", code=code.name)
            raise Unavailable("Сервис чатов сейчас недоступен, попробуйте ещё раз") from None
        return Standing(
            chat_id=access.chat_id or chat_id,
            organisation_id=access.organisation_id,
            may_read=access.may_read,
            may_post=access.may_post,
            blocked=access.blocked,
            may_moderate=access.may_moderate,
        )
