"""Request and response bodies of notifications: Web Push subscriptions, the e-mail digest, quiet hours."""

from __future__ import annotations

from pydantic import BaseModel, Field


class VapidKeyOut(BaseModel):
    """The server's VAPID public key (P-256, uncompressed, base64url): pushManager.subscribe's
    applicationServerKey."""

    public_key: str


class PushKeys(BaseModel):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class PushSubscriptionIn(BaseModel):
    """PushSubscription.toJSON() as the browser gives it."""

    endpoint: str = Field(min_length=1, max_length=1000)
    keys: PushKeys


class PushSubscriptionOut(BaseModel):
    id: str


class PushEndpointIn(BaseModel):
    endpoint: str = Field(min_length=1, max_length=1000)


class PushRemovedOut(BaseModel):
    removed: bool


class NotificationSettingsIn(BaseModel):
    digest: bool = Field(description="the e-mail digest of unread messages, to the e-mail of the sign-in")


class NotificationSettingsOut(BaseModel):
    digest: bool
    email: str | None = Field(description="where the digest goes while it is on")
    email_available: bool = Field(description="signed in with an e-mail, so the digest can be switched on")
    push_subscriptions: int


class QuietHoursIn(BaseModel):
    enabled: bool
    start: str = Field(min_length=3, max_length=5, description="HH:MM on the organisation's clock")
    end: str = Field(min_length=3, max_length=5)


class QuietHoursOut(BaseModel):
    organisation_id: str
    enabled: bool
    start: str
    end: str
    time_zone: str
