"""Gateway settings (PARTA_ prefix)."""

from __future__ import annotations

from pydantic import Field

from services.common.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    metrics_port: int = Field(default=9100, ge=0, le=65535)
    identity_addr: str = "127.0.0.1:50051"
    directory_addr: str = "127.0.0.1:50052"
    messaging_addr: str = "127.0.0.1:50053"
    # The media service (calls, signalling; R-MEDIA-1).
    media_addr: str = "127.0.0.1:50054"
    grpc_timeout_seconds: float = Field(default=10.0, gt=0)
    # A request body (JSON) larger than this is refused with 413 before it is parsed; file uploads
    # have their own limit (http/attachments.py).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Where people reach Parta (https://parta.region.example): printed invite links start with it.
    # Empty: the address the request came to.
    public_url: str = ""
    # Behind a trusted reverse proxy (an Ingress), take the client address from X-Forwarded-For.
    trust_forwarded_for: bool = False
