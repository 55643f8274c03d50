"""Notifications: /api/v1/push/… (a browser's Web Push subscription), /api/v1/me/notifications (the
e-mail digest) and /api/v1/orgs/{org_id}/quiet-hours (the administrator's). Messaging decides; these
routes only translate."""

from __future__ import annotations

from fastapi import APIRouter, Request

from parta.messaging.v1 import notifications_pb2 as pb
from services.gateway.deps import RpcDep
from services.gateway.notification_models import (
    NotificationSettingsIn,
    NotificationSettingsOut,
    PushEndpointIn,
    PushRemovedOut,
    PushSubscriptionIn,
    PushSubscriptionOut,
    QuietHoursIn,
    QuietHoursOut,
    VapidKeyOut,
)

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
async def vapid_key(rpc: RpcDep) -> VapidKeyOut:
    reply = await rpc.clients.notifications.GetVapidKey(
        pb.GetVapidKeyRequest(), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return VapidKeyOut(public_key=reply.public_key)


@router.post(
    "/api/v1/push/subscriptions", status_code=201, summary="Receive pushes for new messages in this browser"
)
async def add_subscription(body: PushSubscriptionIn, request: Request, rpc: RpcDep) -> PushSubscriptionOut:
    reply = await rpc.clients.notifications.AddPushSubscription(
        pb.AddPushSubscriptionRequest(
            endpoint=body.endpoint,
            p256dh=body.keys.p256dh,
            auth=body.keys.auth,
            user_agent=request.headers.get("user-agent", "")[:300],
        ),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return PushSubscriptionOut(id=reply.id)


@router.delete("/api/v1/push/subscriptions", summary="Stop pushes to this browser (by its endpoint)")
async def remove_subscription(body: PushEndpointIn, rpc: RpcDep) -> PushRemovedOut:
    reply = await rpc.clients.notifications.RemovePushSubscription(
        pb.RemovePushSubscriptionRequest(endpoint=body.endpoint), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return PushRemovedOut(removed=reply.removed)


@router.get("/api/v1/me/notifications", summary="My notification settings")
async def get_settings(rpc: RpcDep) -> NotificationSettingsOut:
    reply = await rpc.clients.notifications.GetNotificationSettings(
        pb.GetNotificationSettingsRequest(), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return settings_out(reply)


@router.put(
    "/api/v1/me/notifications",
    summary="Switch the daily e-mail digest of unread messages on or off (to the e-mail of the sign-in)",
)
async def update_settings(body: NotificationSettingsIn, rpc: RpcDep) -> NotificationSettingsOut:
    reply = await rpc.clients.notifications.UpdateNotificationSettings(
        pb.UpdateNotificationSettingsRequest(digest=body.digest), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return settings_out(reply)


@router.get("/api/v1/orgs/{org_id}/quiet-hours", summary="The organisation's quiet hours (administrators)")
async def get_quiet_hours(org_id: str, rpc: RpcDep) -> QuietHoursOut:
    reply = await rpc.clients.notifications.GetQuietHours(
        pb.GetQuietHoursRequest(organisation_id=org_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return quiet_out(reply)


@router.put(
    "/api/v1/orgs/{org_id}/quiet-hours",
    summary="Set the quiet hours: no pushes to students then (administrators)",
)
async def set_quiet_hours(org_id: str, body: QuietHoursIn, rpc: RpcDep) -> QuietHoursOut:
    reply = await rpc.clients.notifications.SetQuietHours(
        pb.SetQuietHoursRequest(organisation_id=org_id, enabled=body.enabled, start=body.start, end=body.end),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return quiet_out(reply)
