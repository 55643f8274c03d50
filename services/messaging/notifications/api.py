"""The Notifications gRPC servicer: reads the request, asks `Notifications`, shapes the reply."""

from __future__ import annotations

from typing import Any, TypeAlias

from parta.messaging.v1 import notifications_pb2 as pb
from parta.messaging.v1 import notifications_pb2_grpc
from services.common.auth import current_principal
from services.messaging.notifications.delivery import Notifications, NotifySettings
from services.messaging.notifications.rules import QuietHours, format_clock

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.messaging.v1.Notifications"


def settings_pb(settings: NotifySettings) -> pb.NotificationSettings:
    return pb.NotificationSettings(
        digest=settings.digest,
        email=settings.email,
        email_available=settings.email_available,
        push_subscriptions=settings.push_subscriptions,
    )


def quiet_pb(organisation_id: str, hours: QuietHours) -> pb.QuietHours:
    return pb.QuietHours(
        organisation_id=organisation_id,
        enabled=hours.enabled,
        start=format_clock(hours.start),
        end=format_clock(hours.end),
        time_zone=hours.time_zone,
    )


class NotificationsServicer(notifications_pb2_grpc.NotificationsServicer):
    def __init__(self, notifications: Notifications) -> None:
        self._notifications = notifications

    async def GetVapidKey(self, request: pb.GetVapidKeyRequest, context: Context) -> pb.VapidKey:
        current_principal()
        key = await self._notifications.vapid_key()
        return pb.VapidKey(public_key=key.public)

    async def AddPushSubscription(
        self, request: pb.AddPushSubscriptionRequest, context: Context
    ) -> pb.PushSubscriptionAdded:
        found = await self._notifications.add_subscription(
            current_principal(), request.endpoint, request.p256dh, request.auth, request.user_agent
        )
        return pb.PushSubscriptionAdded(id=str(found))

    async def RemovePushSubscription(
        self, request: pb.RemovePushSubscriptionRequest, context: Context
    ) -> pb.PushSubscriptionRemoved:
        removed = await self._notifications.remove_subscription(current_principal(), request.endpoint)
        return pb.PushSubscriptionRemoved(removed=removed)

    async def GetNotificationSettings(
        self, request: pb.GetNotificationSettingsRequest, context: Context
    ) -> pb.NotificationSettings:
        return settings_pb(await self._notifications.settings_of(current_principal()))

    async def UpdateNotificationSettings(
        self, request: pb.UpdateNotificationSettingsRequest, context: Context
    ) -> pb.NotificationSettings:
        return settings_pb(await self._notifications.update_settings(current_principal(), request.digest))

    async def GetQuietHours(self, request: pb.GetQuietHoursRequest, context: Context) -> pb.QuietHours:
        hours = await self._notifications.quiet_hours(current_principal(), request.organisation_id)
        return quiet_pb(request.organisation_id, hours)

    async def SetQuietHours(self, request: pb.SetQuietHoursRequest, context: Context) -> pb.QuietHours:
        hours = await self._notifications.set_quiet_hours(
            current_principal(), request.organisation_id, request.enabled, request.start, request.end
        )
        return quiet_pb(request.organisation_id, hours)
