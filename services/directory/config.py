"""Directory's settings (PARTA_ prefix), on top of the shared ones."""

from __future__ import annotations

from pydantic import Field

from services.common.settings import ServiceSettings


class DirectorySettings(ServiceSettings):
    grpc_port: int = Field(default=50052, ge=0, le=65535)
    metrics_port: int = Field(default=9102, ge=0, le=65535)
    identity_addr: str = "127.0.0.1:50051"
    max_document_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    default_time_zone: str = "Europe/Moscow"
