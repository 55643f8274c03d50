"""The shared SMTP sender (services/common/mail.py) against the tests' real SMTP server."""

from __future__ import annotations

import pytest

from services.common.mail import MailFailed, SmtpMailer, SmtpSettings, mailer_from
from services.devstack.embedded import free_port
from tests.support.platform import Inbox


async def test_plain_text_and_html_arrive_as_alternatives(smtp_server: tuple[int, Inbox]) -> None:
    port, inbox = smtp_server
    mailer = SmtpMailer(host="127.0.0.1", port=port, sender="Parta <no-reply@parta.local>")
    await mailer.send(
        "Parent@Family.example", "Сводка", "Непрочитанных: 2\n", "<p>Непрочитанных: <b>2</b></p>"
    )
    mail = inbox.messages[-1]
    assert mail["to"] == "parent@family.example"
    assert mail["text"].strip() == "Непрочитанных: 2"
    assert "<b>2</b>" in mail["html"]


async def test_an_unreachable_server_is_a_mail_failure() -> None:
    mailer = SmtpMailer(host="127.0.0.1", port=free_port(), sender="no-reply@parta.local", timeout=2)
    with pytest.raises(MailFailed):
        await mailer.send("someone@example.org", "x", "y")


SMTP_VARIABLES = {
    "PARTA_SMTP_HOST": "mail.school.example",
    "PARTA_SMTP_PORT": "587",
    "PARTA_SMTP_SENDER": "Школа <no-reply@school.example>",
    "PARTA_SMTP_USERNAME": "parta",
    "PARTA_SMTP_PASSWORD": "secret",
    "PARTA_SMTP_STARTTLS": "true",
}


def test_smtp_settings_read_the_parta_smtp_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variable names operators and the Helm chart set (deploy/helm/.../_notifications.tpl)."""
    for name, value in SMTP_VARIABLES.items():
        monkeypatch.setenv(name, value)
    settings = SmtpSettings()
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_sender) == (
        "mail.school.example",
        587,
        "Школа <no-reply@school.example>",
    )
    assert (settings.smtp_username, settings.smtp_password.get_secret_value(), settings.smtp_starttls) == (
        "parta",
        "secret",
        True,
    )


def test_no_host_no_mailer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARTA_SMTP_HOST", raising=False)
    assert mailer_from(SmtpSettings()) is None


async def test_the_mailer_from_settings_sends_through_the_configured_server(
    smtp_server: tuple[int, Inbox],
) -> None:
    port, inbox = smtp_server
    mailer = mailer_from(SmtpSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_sender="x@parta.local"))
    assert mailer is not None
    await mailer.send("Teacher@School.example", "Код", "Ваш код: 123456\n")
    assert inbox.messages[-1]["to"] == "teacher@school.example"
    assert inbox.messages[-1]["text"].strip() == "Ваш код: 123456"
