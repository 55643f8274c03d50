"""Wires the messaging service together and runs it: `parta-messaging [serve|migrate]`."""

from __future__ import annotations

from datetime import timedelta

import grpc

from parta.directory.v1 import organisations_pb2_grpc
from parta.messaging.v1 import (
    attachments_pb2_grpc,
    chats_pb2_grpc,
    links_pb2_grpc,
    moderation_pb2_grpc,
    notifications_pb2_grpc,
    polls_pb2_grpc,
    search_pb2_grpc,
    statistics_pb2_grpc,
)
from services.common.grpcserver import GrpcServer
from services.common.mail import mailer_from
from services.common.runtime import ServiceRuntime, run_service
from services.common.serving import IdentityKeys, Servicer
from services.common.tasks import TaskSpawner, repeat
from services.messaging.attachments.api import SERVICE_NAME as ATTACHMENTS_SERVICE_NAME
from services.messaging.attachments.api import AttachmentsApi
from services.messaging.attachments.files import SWEEP_EVERY_SECONDS, Attachments
from services.messaging.attachments.kinds import MB, Limits
from services.messaging.attachments.storage import LocalStorage, S3Storage, Storage
from services.messaging.attachments.store import AttachmentStore
from services.messaging.attachments.views import Attach, AttachmentPart
from services.messaging.calls.events import calls_subscription
from services.messaging.calls.store import CallStore
from services.messaging.calls.views import CallPart
from services.messaging.chats.access import Access
from services.messaging.chats.access_store import AccessStore
from services.messaging.chats.api import SERVICE_NAME as CHATS_SERVICE_NAME
from services.messaging.chats.api import ChatsApi
from services.messaging.chats.convert import chat_pb
from services.messaging.chats.events import directory_subscription, live_membership_subscription
from services.messaging.chats.live import LivePublisher
from services.messaging.chats.membership import Chats
from services.messaging.chats.messages import Messages
from services.messaging.chats.store import ChatStore, MessageStore
from services.messaging.chats.views import MessageViews
from services.messaging.config import MessagingSettings
from services.messaging.links.api import SERVICE_NAME as LINKS_SERVICE_NAME
from services.messaging.links.api import LinksApi
from services.messaging.links.joining import ChatLinks
from services.messaging.links.store import ChatLinkStore
from services.messaging.moderation.actions import Moderation
from services.messaging.moderation.api import SERVICE_NAME as MODERATION_SERVICE_NAME
from services.messaging.moderation.api import ModerationApi
from services.messaging.moderation.store import ModerationStore
from services.messaging.notifications.api import SERVICE_NAME as NOTIFICATIONS_SERVICE_NAME
from services.messaging.notifications.api import NotificationsServicer
from services.messaging.notifications.delivery import Notifications
from services.messaging.notifications.events import organisation_subscription, push_subscription
from services.messaging.notifications.store import NotifyStore
from services.messaging.polls.api import SERVICE_NAME as POLLS_SERVICE_NAME
from services.messaging.polls.api import PollsApi
from services.messaging.polls.store import PollStore
from services.messaging.polls.views import PollPart, PollPosting
from services.messaging.polls.voting import Polls
from services.messaging.readmodel.store import ReadModelStore
from services.messaging.search.api import SERVICE_NAME as SEARCH_SERVICE_NAME
from services.messaging.search.api import SearchApi
from services.messaging.search.query import Search
from services.messaging.search.store import SearchStore
from services.messaging.statistics.api import SERVICE_NAME as STATISTICS_SERVICE_NAME
from services.messaging.statistics.api import StatisticsServicer
from services.messaging.statistics.events import statistics_subscriptions
from services.messaging.statistics.operators import DirectoryOperatorCheck
from services.messaging.statistics.reports import Statistics, StatisticsRecorder
from services.messaging.statistics.store import StatisticsStore

MIGRATIONS = "services.messaging:migrations"


def storage_from(settings: MessagingSettings) -> Storage:
    """Attachments' storage: the local directory (default) or an S3-compatible bucket."""
    if settings.storage_backend == "s3":
        return S3Storage(
            endpoint=settings.s3_endpoint,
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            prefix=settings.s3_prefix,
        )
    return LocalStorage(settings.storage_dir)


def limits_from(settings: MessagingSettings) -> Limits:
    return Limits(
        document=settings.attachment_max_document_mb * MB,
        image=settings.attachment_max_image_mb * MB,
        video=settings.attachment_max_video_mb * MB,
        audio=settings.attachment_max_audio_mb * MB,
    )


class MessagingApp:
    """The messaging service process: the shared runtime plus messaging's domain and servicer."""

    def __init__(self, settings: MessagingSettings) -> None:
        self.settings = settings
        # One store per feature, each handed to its domain class; `access` answers every feature's
        # question "who is the caller in this chat" (chats/access.py).
        self.directory = ReadModelStore()
        access = Access(AccessStore())
        chat_store = ChatStore()
        message_store = MessageStore()
        moderation_store = ModerationStore()
        poll_store = PollStore()
        attachment_store = AttachmentStore()
        call_store = CallStore()
        self.access = access
        self.runtime = ServiceRuntime("messaging", settings, migrations=MIGRATIONS, subscriptions=[])
        # What a client sees of a message (chats/views.py), with the extras of attachments and polls.
        self.views = MessageViews(
            self.runtime.db, [AttachmentPart(attachment_store), PollPart(poll_store, moderation_store)]
        )
        self.live = LivePublisher(lambda: self.runtime.nc, self.views)
        self.runtime.subscriptions += [
            directory_subscription(self.directory, chat_store, self.live),
            live_membership_subscription(self.live),
            *statistics_subscriptions(StatisticsRecorder(StatisticsStore())),
            # Calls in chats (R-MEDIA-1): media's events kept for the chats' "call in progress".
            calls_subscription(call_store, self.live),
        ]
        self.chats = Chats(self.runtime.db, chat_store, access, self.directory, moderation_store)
        # Notifications: pushes for new messages, the e-mail digest, quiet hours.
        self.mailer = mailer_from(settings)  # None: no PARTA_SMTP_HOST, no digests
        self.notifications = Notifications(
            self.runtime.db, access, NotifyStore(), settings, mailer=self.mailer
        )
        self.runtime.subscriptions += [
            push_subscription(self.notifications),
            organisation_subscription(self.notifications),
        ]
        self.messages = Messages(
            self.runtime.db, message_store, access, self.live, frozen=poll_store.has_poll
        )
        self.moderation = Moderation(
            self.runtime.db, moderation_store, access, chat_store, message_store, self.live
        )
        self.polls = Polls(self.runtime.db, poll_store, access, moderation_store, message_store, self.live)
        self.search = Search(self.runtime.db, SearchStore(), access)
        self.links = ChatLinks(self.runtime.db, ChatLinkStore(), access, self.chats, self.moderation)
        self.storage = storage_from(settings)
        self.attachments = Attachments(
            self.runtime.db,
            attachment_store,
            access,
            self.storage,
            limits_from(settings),
            timedelta(hours=settings.attachment_pending_hours),
        )
        # One gRPC service per feature, each answered by that feature's api.
        self.feature_servicers = [
            Servicer(
                chats_pb2_grpc.add_ChatsServicer_to_server,
                ChatsApi(
                    self.chats,
                    self.messages,
                    self.views,
                    Attach(attachment_store),
                    [CallPart(self.runtime.db, call_store)],
                ),
                CHATS_SERVICE_NAME,
            ),
            Servicer(
                moderation_pb2_grpc.add_ModerationServicer_to_server,
                ModerationApi(self.moderation, self.views),
                MODERATION_SERVICE_NAME,
            ),
            Servicer(
                polls_pb2_grpc.add_PollsServicer_to_server,
                PollsApi(self.polls, self.messages, self.views, PollPosting(poll_store)),
                POLLS_SERVICE_NAME,
            ),
            Servicer(
                attachments_pb2_grpc.add_AttachmentsServicer_to_server,
                AttachmentsApi(self.attachments),
                ATTACHMENTS_SERVICE_NAME,
            ),
            Servicer(
                links_pb2_grpc.add_ChatLinksServicer_to_server,
                LinksApi(self.links, chat_pb),
                LINKS_SERVICE_NAME,
            ),
            Servicer(
                search_pb2_grpc.add_SearchServicer_to_server, SearchApi(self.search), SEARCH_SERVICE_NAME
            ),
        ]
        self.identity = IdentityKeys(settings.identity_addr)
        self.tasks = TaskSpawner("messaging")
        self._directory_channel: grpc.aio.Channel | None = None
        self.grpc: GrpcServer | None = None

    async def start(self) -> None:
        await self.runtime.open()
        await self.storage.start()
        self.tasks.spawn(
            repeat(self.attachments.sweep, every=SWEEP_EVERY_SECONDS, name="attachments_sweep"),
            name="attachments-sweep",
        )
        # Weekly statistics (R-STAT-1); operator staff are known to the directory only.
        self._directory_channel = grpc.aio.insecure_channel(self.settings.directory_addr)
        operator_check = DirectoryOperatorCheck(
            organisations_pb2_grpc.OrganisationsStub(self._directory_channel)
        )
        statistics = Statistics(self.runtime.db, self.access, StatisticsStore(), operator_check)
        self.grpc = await self.runtime.serve_grpc(
            self.identity.verifier(),
            [
                *self.feature_servicers,
                Servicer(
                    statistics_pb2_grpc.add_StatisticsServicer_to_server,
                    StatisticsServicer(statistics),
                    STATISTICS_SERVICE_NAME,
                ),
                Servicer(
                    notifications_pb2_grpc.add_NotificationsServicer_to_server,
                    NotificationsServicer(self.notifications),
                    NOTIFICATIONS_SERVICE_NAME,
                ),
            ],
        )
        every = self.settings.digest_every_seconds
        if self.mailer is not None and every > 0:
            self.tasks.spawn(
                repeat(self.notifications.send_digests, every=every, first_after=every, name="digest"),
                name="messaging-digest",
            )

    async def stop(self) -> None:
        await self.tasks.close()
        await self.runtime.close()
        await self.notifications.close()
        await self.storage.stop()
        await self.identity.close()
        if self._directory_channel is not None:
            await self._directory_channel.close()


def main() -> None:
    run_service("messaging", MessagingSettings, MessagingApp, MIGRATIONS)


if __name__ == "__main__":
    main()
