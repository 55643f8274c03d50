"""How a notice reaches a person: a frame on the page they have open (core NATS subject
`parta.live.user.<user_id>`, which every gateway subscribes for each signed-in WebSocket), and,
when no open page took it, a letter through identity's senders (SMS gateway, SMTP or the dev
mailbox) to the person's own contact.

A gateway answers the request once one of its sockets for that person queued the frame; no
subscriber means NATS answers "no responders" at once, so a person without an open page costs no
wait. Delivery runs after the consumer's transaction committed: at most once, a failure is logged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import nats.errors
from nats.aio.client import Client as NATS
from prometheus_client import Counter

from services.common.errors import PartaError
from services.common.live import user_subject
from services.common.logging import get_logger
from services.identity.destinations import Destination, Kind
from services.identity.notices.texts import Letter, LiveNotice
from services.identity.senders import CodeSender

log = get_logger(__name__)

LIVE_WAIT_SECONDS = 1.0

NOTICES_SENT = Counter("parta_identity_notices_total", "Notices delivered, by how they went", ["channel"])


def destination_of(
    phone: str | None, email: str | None, guardian_email: str | None = None
) -> Destination | None:
    """Where a letter goes: the e-mail if the person has one (it costs nothing), else the phone,
    else (a child account) the guardian's e-mail."""
    if email:
        return Destination(Kind.EMAIL, email)
    if phone:
        return Destination(Kind.PHONE, phone)
    if guardian_email:
        return Destination(Kind.EMAIL, guardian_email)
    return None


class NoticeDelivery:
    def __init__(self, nats_connection: Callable[[], NATS], sender: CodeSender) -> None:
        self._nc = nats_connection
        self._sender = sender

    async def live(self, user_id: str, notice: LiveNotice) -> bool:
        """Offer the frame to the person's open pages; True if one of them took it."""
        payload = json.dumps(notice.frame(), ensure_ascii=False).encode()
        try:
            await self._nc().request(user_subject(user_id), payload, timeout=LIVE_WAIT_SECONDS)
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            return False
        NOTICES_SENT.labels("live").inc()
        return True

    async def announce(self, user_ids: Sequence[str], notice: LiveNotice) -> None:
        """A frame for whoever of them has a page open; nobody is written to."""
        payload = json.dumps(notice.frame(), ensure_ascii=False).encode()
        for user_id in dict.fromkeys(user_ids):
            await self._nc().publish(user_subject(user_id), payload)
        NOTICES_SENT.labels("announce").inc()

    async def letter(self, destination: Destination, letter: Letter) -> None:
        try:
            await self._sender.send(destination, letter.subject, letter.text)
        except PartaError as error:  # nothing configured for that kind, or the provider refused
            log.warning("notice.letter_failed", kind=destination.kind.value, error=str(error))
            NOTICES_SENT.labels("failed").inc()
            return
        NOTICES_SENT.labels(destination.kind.value).inc()

    async def tell(
        self, user_id: str, destination: Destination | None, notice: LiveNotice, letter: Letter
    ) -> None:
        """Live where the person has a page open, else a letter to their own contact."""
        if await self.live(user_id, notice):
            return
        if destination is None:
            log.info("notice.no_contact", user_id=user_id)
            return
        await self.letter(destination, letter)
