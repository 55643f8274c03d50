"""How a one-time code reaches a person: pluggable senders behind one `CodeSender` protocol.

- `SmtpEmailSender` — e-mail through the shared SMTP mailer (`services/common/mail.py`).
- `HttpSmsSender` — an SMS provider's HTTP API: POST {"to": "+7...", "text": "..."} with a bearer token.
- `DevMailbox` — development only (PARTA_DEV=1): kept in identity's database and readable through
  the gateway, so a newcomer can sign in without SMTP or SMS.
`SenderRouter` picks the sender by the destination's kind.
"""

from __future__ import annotations

from typing import Protocol

import httpx

from services.common.db import Database
from services.common.errors import Unavailable
from services.common.logging import get_logger
from services.common.mail import MailFailed, SmtpMailer
from services.identity.destinations import Destination, Kind
from services.identity.store import IdentityStore

log = get_logger(__name__)


class CodeSender(Protocol):
    async def send(self, destination: Destination, subject: str, text: str) -> None: ...

    async def close(self) -> None: ...


class _NothingToClose:
    async def close(self) -> None:
        return None


class SmtpEmailSender(_NothingToClose):
    """Codes by e-mail through the shared SMTP sender (`services/common/mail.py`)."""

    def __init__(self, mailer: SmtpMailer) -> None:
        self._mailer = mailer

    async def send(self, destination: Destination, subject: str, text: str) -> None:
        try:
            await self._mailer.send(destination.value, subject, text)
        except MailFailed as error:
            raise Unavailable("Не удалось отправить письмо с кодом: попробуйте позже") from error


class HttpSmsSender:
    def __init__(self, *, url: str, token: str, client: httpx.AsyncClient | None = None) -> None:
        self._url = url
        self._token = token
        self._client = client or httpx.AsyncClient(timeout=10.0)

    async def send(self, destination: Destination, subject: str, text: str) -> None:
        try:
            response = await self._client.post(
                self._url,
                json={"to": destination.value, "text": text},
                headers={"Authorization": f"Bearer {self._token}"} if self._token else {},
            )
        except httpx.HTTPError as error:
            log.warning("sms.send_failed", error=str(error))
            raise Unavailable("Не удалось отправить СМС с кодом: попробуйте позже") from error
        if response.status_code >= 300:
            log.warning("sms.provider_refused", status=response.status_code, body=response.text[:200])
            raise Unavailable("СМС-шлюз не принял сообщение: попробуйте позже")

    async def close(self) -> None:
        await self._client.aclose()


class DevMailbox(_NothingToClose):
    def __init__(self, db: Database, store: IdentityStore) -> None:
        self._db = db
        self._store = store

    async def send(self, destination: Destination, subject: str, text: str) -> None:
        async with self._db.transaction("dev_mailbox_add") as conn:
            await self._store.add_dev_mail(conn, destination.value, text)


class NoSender(_NothingToClose):
    """Where nothing is configured for a kind of destination: say so instead of losing the code."""

    def __init__(self, kind: Kind) -> None:
        self._kind = kind

    async def send(self, destination: Destination, subject: str, text: str) -> None:
        what = "e-mail" if self._kind is Kind.EMAIL else "СМС"
        raise Unavailable(f"Отправка кодов по {what} не настроена на этом сервере")


class SenderRouter:
    def __init__(self, *, email: CodeSender, phone: CodeSender) -> None:
        self._senders: dict[Kind, CodeSender] = {Kind.EMAIL: email, Kind.PHONE: phone}

    async def send(self, destination: Destination, subject: str, text: str) -> None:
        await self._senders[destination.kind].send(destination, subject, text)

    async def close(self) -> None:
        for sender in self._senders.values():
            await sender.close()
