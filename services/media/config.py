"""The media service's settings (PARTA_ prefix), on top of the shared ones. Lists are comma-separated
in the environment."""

from __future__ import annotations

from pydantic import Field, SecretStr

from services.common.settings import ServiceSettings


def split_list(value: str) -> list[str]:
    """ "a, b" → ["a", "b"]; "" → []."""
    return [part.strip() for part in value.split(",") if part.strip()]


class MediaSettings(ServiceSettings):
    grpc_port: int = Field(default=50054, ge=0, le=65535)
    metrics_port: int = Field(default=9104, ge=0, le=65535)
    identity_addr: str = "127.0.0.1:50051"
    # Asked how the caller stands to a chat now (Chats.GetChatAccess, R-MEDIA-3).
    messaging_addr: str = "127.0.0.1:50053"
    # The SFU process every call is placed on (one in this issue; placement/ is the seam for a fleet).
    sfu_addr: str = "127.0.0.1:50055"
    # A session whose media connection is lost leaves the call (DISCONNECTED) after this many seconds,
    # unless the client reconnects (a new peer connection, same session) in time.
    session_grace_seconds: float = Field(default=30.0, gt=0)
    # A session admitted but never connected (a page closed before its peer connection came up)
    # leaves after this many seconds: time enough for a camera permission prompt.
    session_connect_seconds: float = Field(default=120.0, gt=0)
    # ICE servers handed to clients (calls/ice.py): STUN URLs, TURN URLs with coturn's shared secret.
    stun_urls: str = ""
    turn_urls: str = ""
    turn_secret: SecretStr = SecretStr("")
    turn_ttl_seconds: int = Field(default=6 * 3600, ge=60, le=7 * 24 * 3600)
    # Asked who the caller is in an organisation (Members.CheckMembership): a broadcast's audience
    # (R-MEDIA-2, broadcasts/directory.py).
    directory_addr: str = "127.0.0.1:50052"

    @property
    def stun_url_list(self) -> list[str]:
        return split_list(self.stun_urls)

    @property
    def turn_url_list(self) -> list[str]:
        return split_list(self.turn_urls)
