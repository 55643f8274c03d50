"""Sending e-mail through an SMTP server (aiosmtplib): plain text, optionally with an HTML part.

Any service that mails people (messaging's digest) uses `SmtpMailer`; a failure is `MailFailed`,
for the caller to decide what it means to the person."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from services.common.logging import get_logger

log = get_logger(__name__)


class MailFailed(Exception):
    """The SMTP server could not be reached or did not accept the message."""


class SmtpMailer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username or None
        self._password = password or None
        self._starttls = starttls
        self._timeout = timeout

    async def send(self, to: str, subject: str, text: str, html: str | None = None) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                start_tls=self._starttls,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            log.warning("smtp.send_failed", error=str(error))
            raise MailFailed(str(error)) from error
