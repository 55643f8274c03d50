"""Sending e-mail through an SMTP server (aiosmtplib): plain text, optionally with an HTML part.

Any service that mails people (identity's one-time codes, messaging's digest) declares its settings
as `SmtpSettings` (PARTA_SMTP_HOST, _PORT, _SENDER, _USERNAME, _PASSWORD, _STARTTLS — one set of
variables for every service, as the Helm chart passes them) and gets its `SmtpMailer` from
`mailer_from(settings)`: None when no host is configured. A failure to send is `MailFailed`, for the
caller to decide what it means to the person."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
from pydantic import SecretStr

from services.common.logging import get_logger
from services.common.settings import ServiceSettings

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


class SmtpSettings(ServiceSettings):
    """The settings of a service that sends e-mail: the shared ones plus the SMTP server (PARTA_SMTP_*)."""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    smtp_sender: str = "Parta <no-reply@parta.local>"


def mailer_from(settings: SmtpSettings) -> SmtpMailer | None:
    """The configured SMTP server's mailer; None when PARTA_SMTP_HOST is not set."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value(),
        starttls=settings.smtp_starttls,
    )
