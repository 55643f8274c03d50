"""The shared SMTP sender (services/common/mail.py) against the tests' real SMTP server."""

from __future__ import annotations

import pytest

from services.common.mail import MailFailed, SmtpMailer
from services.devstack.embedded import free_port
from tests.conftest import Inbox


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
