"""Messaging's settings (PARTA_ prefix), on top of the shared ones."""

from __future__ import annotations

from pydantic import Field

from services.common.settings import ServiceSettings


class MessagingSettings(ServiceSettings):
    grpc_port: int = Field(default=50053, ge=0, le=65535)
    metrics_port: int = Field(default=9103, ge=0, le=65535)
    identity_addr: str = "127.0.0.1:50051"
