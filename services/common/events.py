"""Event envelopes and subjects: `parta.<service>.<entity>.<verb>`, one JetStream stream per publisher."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from google.protobuf.message import Message
from nats.js.api import StreamConfig

from parta.common.v1 import common_pb2
from parta.events.v1 import envelope_pb2

SUBJECT_PREFIX = "parta."
# Publishing services and the stream that holds their events.
PUBLISHERS = ("identity", "directory", "messaging", "media")


def subject_for(event_type: str) -> str:
    """identity.role.verified → parta.identity.role.verified"""
    return SUBJECT_PREFIX + event_type


def stream_config(service: str) -> StreamConfig:
    return StreamConfig(
        name=f"PARTA_{service.upper()}",
        subjects=[f"{SUBJECT_PREFIX}{service}.>"],
        duplicate_window=120.0,
        max_age=7 * 24 * 3600.0,
    )


def user_actor(user_id: str) -> common_pb2.Actor:
    return common_pb2.Actor(kind=common_pb2.Actor.KIND_USER, id=user_id)


def service_actor(service: str) -> common_pb2.Actor:
    return common_pb2.Actor(kind=common_pb2.Actor.KIND_SERVICE, id=service)


def make_envelope(
    event_type: str,
    payload: Message,
    *,
    organisation_id: str = "",
    actor: common_pb2.Actor | None = None,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> envelope_pb2.EventEnvelope:
    envelope = envelope_pb2.EventEnvelope(
        event_id=event_id or str(uuid.uuid4()),
        type=event_type,
        organisation_id=organisation_id,
        actor=actor or common_pb2.Actor(kind=common_pb2.Actor.KIND_SYSTEM),
    )
    envelope.occurred_at.FromDatetime(occurred_at or datetime.now(UTC))
    envelope.payload.Pack(payload)
    return envelope
