"""Messaging's settings (PARTA_ prefix), on top of the shared ones and the shared SMTP ones."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from services.common.mail import SmtpSettings


class MessagingSettings(SmtpSettings):
    """The shared settings, SMTP for the digest (`SmtpSettings`; no host: no digests), and messaging's own."""

    grpc_port: int = Field(default=50053, ge=0, le=65535)
    metrics_port: int = Field(default=9103, ge=0, le=65535)
    identity_addr: str = "127.0.0.1:50051"
    # Attachments (attachments/storage.py, attachments/files.py): "local" keeps files under storage_dir,
    # "s3" in a bucket.
    storage_backend: Literal["local", "s3"] = "local"
    storage_dir: Path = Path(".parta/files/messaging")
    s3_endpoint: str = Field(default="", description="S3-compatible endpoint URL; empty: AWS")
    s3_bucket: str = ""
    s3_region: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_prefix: str = Field(default="", description="key prefix inside the bucket")
    # Largest attachment of each kind, in megabytes.
    attachment_max_document_mb: int = Field(default=25, ge=1, le=5000)
    attachment_max_image_mb: int = Field(default=10, ge=1, le=5000)
    attachment_max_video_mb: int = Field(default=200, ge=1, le=5000)
    attachment_max_audio_mb: int = Field(default=50, ge=1, le=5000)
    # Uploads never attached to a message are deleted after this many hours.
    attachment_pending_hours: float = Field(default=24.0, gt=0)
    # Asked whether a caller is operator staff (the operator's statistics, R-STAT-1).
    directory_addr: str = "127.0.0.1:50052"
    # Notifications (notifications/delivery.py). Web Push: the VAPID key (raw or DER, base64url; empty: one is
    # generated once and kept in the database), the contact in its JWT, which push services may be
    # called (host or parent domain; the browser hands us the endpoint URL, so this stops a member
    # from making the server call any address), and whether plain http endpoints are allowed (tests).
    vapid_private_key: SecretStr = SecretStr("")
    vapid_subject: str = "mailto:admin@parta.local"
    push_hosts: list[str] = Field(
        default_factory=lambda: [
            "fcm.googleapis.com",
            "push.services.mozilla.com",
            "notify.windows.com",
            "push.apple.com",
        ]
    )
    push_allow_http: bool = False
    push_ttl_seconds: int = Field(default=24 * 3600, ge=0, le=28 * 24 * 3600)
    # The e-mail digest of unread messages: how often the job looks (0: never), how old an unread
    # message must be, and the smallest gap between two digests to one person.
    digest_every_seconds: float = Field(default=3600.0, ge=0)
    digest_after_hours: float = Field(default=6.0, ge=0)
    digest_interval_hours: float = Field(default=24.0, gt=0)
    # The web client's address, for the link in the digest (empty: no link).
    web_url: str = ""

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> MessagingSettings:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("PARTA_STORAGE_BACKEND=s3 needs PARTA_S3_BUCKET")
        return self
