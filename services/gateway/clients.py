"""The gateway's gRPC channels to the services, the metadata it forwards with each call (the
caller's bearer token — services verify it themselves —, request id, client address and agent),
and `Backends`: the service stubs bound to one caller.

How a call gets the caller's credentials and its deadline: each request gets a `Backends` (made by
`deps.get_backends`, or by the live channel for its own calls), whose stubs fill in `metadata=` and
`timeout=` themselves — `await backends.chats.GetChat(request)`. Chosen over a client
interceptor reading the token from a contextvar: the binding is a plain object a handler receives
as an argument (nothing implicit that a task or a thread could lose), and grpc.aio interceptors add
a task per call on the message path. A call that needs a longer deadline (file transfers) passes
its own `timeout=`, which wins over the bound one. A bound stub is typed as the stub it stands in
for: it answers the same method names, so mypy checks them as before.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from functools import partial
from typing import Any, TypeVar, cast

import grpc
from starlette.requests import HTTPConnection

from parta.directory.v1 import (
    joining_pb2_grpc,
    membership_pb2_grpc,
    movement_pb2_grpc,
    organisations_pb2_grpc,
    support_pb2_grpc,
)
from parta.identity.v1 import identity_pb2_grpc
from parta.media.v1 import broadcasts_pb2_grpc, calls_pb2_grpc, signalling_pb2_grpc
from parta.messaging.v1 import (
    attachments_pb2_grpc,
    chats_pb2_grpc,
    links_pb2_grpc,
    moderation_pb2_grpc,
    notifications_pb2_grpc,
    polls_pb2_grpc,
    search_pb2_grpc,
    statistics_pb2_grpc,
)
from services.common.grpcserver import CLIENT_ADDRESS_KEY, REQUEST_ID_KEY, USER_AGENT_KEY

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
# Media's gRPC address when the caller names none (its default port, as GatewaySettings.media_addr).
MEDIA_ADDR = "127.0.0.1:50054"
# The services without which the gateway serves nothing (`/readyz`); media is not one of them: with
# it down, calls answer 503 and everything else works.
REQUIRED = ("identity", "directory", "messaging")

Metadata = tuple[tuple[str, str], ...]
Stub = TypeVar("Stub")


def _channel(address: str) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(
        address,
        options=[
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.enable_retries", 1),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ],
    )


@dataclass(frozen=True, slots=True)
class Backends:
    """The services' stubs, one per gRPC service (directory's and messaging's per feature, each
    on its service's channel).
    Bound to one caller (`ServiceClients.bind`), every call carries the caller's metadata and the
    deadline."""

    identity: identity_pb2_grpc.IdentityStub
    organisations: organisations_pb2_grpc.OrganisationsStub
    members: membership_pb2_grpc.MembersStub
    joining: joining_pb2_grpc.JoiningStub
    movements: movement_pb2_grpc.MovementsStub
    support: support_pb2_grpc.SupportStub
    chats: chats_pb2_grpc.ChatsStub
    attachments: attachments_pb2_grpc.AttachmentsStub
    moderation: moderation_pb2_grpc.ModerationStub
    polls: polls_pb2_grpc.PollsStub
    search: search_pb2_grpc.SearchStub
    chat_links: links_pb2_grpc.ChatLinksStub
    # Weekly statistics (R-STAT-1).
    statistics: statistics_pb2_grpc.StatisticsStub
    # Push subscriptions, the digest and quiet hours.
    notifications: notifications_pb2_grpc.NotificationsStub
    # Calls in chats (R-MEDIA-1, R-MEDIA-3) and their WebRTC signalling, on media's channel.
    calls: calls_pb2_grpc.CallsStub
    signalling: signalling_pb2_grpc.SignallingStub
    # School-wide broadcasts (R-MEDIA-2), on media's channel; their calls' signalling is `signalling`.
    broadcasts: broadcasts_pb2_grpc.BroadcastsStub


@dataclass
class ServiceClients:
    channels: dict[str, grpc.aio.Channel]
    # The unbound stubs; `bind` makes the caller's copy.
    stubs: Backends
    timeout: float

    @classmethod
    def connect(
        cls,
        *,
        identity_addr: str,
        directory_addr: str,
        messaging_addr: str,
        timeout: float,
        media_addr: str = MEDIA_ADDR,
    ) -> ServiceClients:
        channels = {
            "identity": _channel(identity_addr),
            "directory": _channel(directory_addr),
            "messaging": _channel(messaging_addr),
            "media": _channel(media_addr or MEDIA_ADDR),
        }
        directory, messaging, media = channels["directory"], channels["messaging"], channels["media"]
        stubs = Backends(
            identity=identity_pb2_grpc.IdentityStub(channels["identity"]),
            organisations=organisations_pb2_grpc.OrganisationsStub(directory),
            members=membership_pb2_grpc.MembersStub(directory),
            joining=joining_pb2_grpc.JoiningStub(directory),
            movements=movement_pb2_grpc.MovementsStub(directory),
            support=support_pb2_grpc.SupportStub(directory),
            chats=chats_pb2_grpc.ChatsStub(messaging),
            attachments=attachments_pb2_grpc.AttachmentsStub(messaging),
            moderation=moderation_pb2_grpc.ModerationStub(messaging),
            polls=polls_pb2_grpc.PollsStub(messaging),
            search=search_pb2_grpc.SearchStub(messaging),
            chat_links=links_pb2_grpc.ChatLinksStub(messaging),
            statistics=statistics_pb2_grpc.StatisticsStub(messaging),
            notifications=notifications_pb2_grpc.NotificationsStub(messaging),
            calls=calls_pb2_grpc.CallsStub(media),
            signalling=signalling_pb2_grpc.SignallingStub(media),
            broadcasts=broadcasts_pb2_grpc.BroadcastsStub(media),
        )
        return cls(channels=channels, stubs=stubs, timeout=timeout)

    def bind(self, metadata: Metadata) -> Backends:
        """The stubs, calling on behalf of the caller whose `metadata` this is, with the deadline."""
        return Backends(
            **{
                field.name: _bound(getattr(self.stubs, field.name), metadata, self.timeout)
                for field in fields(Backends)
            }
        )

    def required_channels(self) -> dict[str, grpc.aio.Channel]:
        """The channels `/readyz` checks (`REQUIRED`)."""
        return {name: channel for name, channel in self.channels.items() if name in REQUIRED}

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()


class _BoundStub:
    """Stands in for a stub: each of its methods with `metadata=` and `timeout=` filled in (a call
    may pass its own `timeout=`, which wins)."""

    __slots__ = ("_metadata", "_stub", "_timeout")

    def __init__(self, stub: object, metadata: Metadata, timeout: float) -> None:
        self._stub = stub
        self._metadata = metadata
        self._timeout = timeout

    def __getattr__(self, name: str) -> Any:
        return partial(getattr(self._stub, name), metadata=self._metadata, timeout=self._timeout)


def _bound(stub: Stub, metadata: Metadata, timeout: float) -> Stub:
    # It answers the stub's method names, so the stub's type describes it.
    return cast(Stub, _BoundStub(stub, metadata, timeout))


def client_address(request: HTTPConnection, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def call_metadata(request: HTTPConnection, trust_forwarded_for: bool) -> Metadata:
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    items = [
        (REQUEST_ID_KEY, request_id[:64]),
        (CLIENT_ADDRESS_KEY, client_address(request, trust_forwarded_for)),
        (USER_AGENT_KEY, request.headers.get("user-agent", "")[:200]),
    ]
    authorization = request.headers.get("authorization")
    if authorization:
        items.append(("authorization", authorization))
    return tuple(items)
