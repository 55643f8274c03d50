"""Notifications: /api/v1/push/… (a browser's Web Push subscription), /api/v1/me/notifications (the
e-mail digest) and /api/v1/orgs/{org_id}/quiet-hours (the administrator's). Messaging decides; these
routes only translate.
The routes with their request and response bodies."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from parta.messaging.v1 import notifications_pb2 as pb
from services.gateway.deps import BackendsDep


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


router = APIRouter(tags=["notifications"])


def settings_out(reply: pb.NotificationSettings) -> NotificationSettingsOut:
    return NotificationSettingsOut(
        digest=reply.digest,
        email=reply.email or None,
        email_available=reply.email_available,
        push_subscriptions=reply.push_subscriptions,
    )


def quiet_out(reply: pb.QuietHours) -> QuietHoursOut:
    return QuietHoursOut(
        organisation_id=reply.organisation_id,
        enabled=reply.enabled,
        start=reply.start,
        end=reply.end,
        time_zone=reply.time_zone,
    )


@router.get("/api/v1/push/vapid-key", summary="The server's VAPID public key for pushManager.subscribe")
async def vapid_key(backends: BackendsDep) -> VapidKeyOut:
    reply = await backends.notifications.GetVapidKey(pb.GetVapidKeyRequest())
    return VapidKeyOut(public_key=reply.public_key)


@router.post(
    "/api/v1/push/subscriptions", status_code=201, summary="Receive pushes for new messages in this browser"
)
async def add_subscription(
    body: PushSubscriptionIn, request: Request, backends: BackendsDep
) -> PushSubscriptionOut:
    reply = await backends.notifications.AddPushSubscription(
        pb.AddPushSubscriptionRequest(
            endpoint=body.endpoint,
            p256dh=body.keys.p256dh,
            auth=body.keys.auth,
            user_agent=request.headers.get("user-agent", "")[:300],
        )
    )
    return PushSubscriptionOut(id=reply.id)


@router.delete("/api/v1/push/subscriptions", summary="Stop pushes to this browser (by its endpoint)")
async def remove_subscription(body: PushEndpointIn, backends: BackendsDep) -> PushRemovedOut:
    reply = await backends.notifications.RemovePushSubscription(
        pb.RemovePushSubscriptionRequest(endpoint=body.endpoint)
    )
    return PushRemovedOut(removed=reply.removed)


@router.get("/api/v1/me/notifications", summary="My notification settings")
async def get_settings(backends: BackendsDep) -> NotificationSettingsOut:
    reply = await backends.notifications.GetNotificationSettings(pb.GetNotificationSettingsRequest())
    return settings_out(reply)


@router.put(
    "/api/v1/me/notifications",
    summary="Switch the daily e-mail digest of unread messages on or off (to the e-mail of the sign-in)",
)
async def update_settings(body: NotificationSettingsIn, backends: BackendsDep) -> NotificationSettingsOut:
    reply = await backends.notifications.UpdateNotificationSettings(
        pb.UpdateNotificationSettingsRequest(digest=body.digest)
    )
    return settings_out(reply)


@router.get("/api/v1/orgs/{org_id}/quiet-hours", summary="The organisation's quiet hours (administrators)")
async def get_quiet_hours(org_id: str, backends: BackendsDep) -> QuietHoursOut:
    reply = await backends.notifications.GetQuietHours(pb.GetQuietHoursRequest(organisation_id=org_id))
    return quiet_out(reply)


@router.put(
    "/api/v1/orgs/{org_id}/quiet-hours",
    summary="Set the quiet hours: no pushes to students then (administrators)",
)
async def set_quiet_hours(org_id: str, body: QuietHoursIn, backends: BackendsDep) -> QuietHoursOut:
    reply = await backends.notifications.SetQuietHours(
        pb.SetQuietHoursRequest(organisation_id=org_id, enabled=body.enabled, start=body.start, end=body.end)
    )
    return quiet_out(reply)
