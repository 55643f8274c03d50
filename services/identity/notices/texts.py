"""What people read: the live notice (a short line for a toast) and the SMS/e-mail letter, in
Russian, built from directory's events by plain functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parta.events.v1 import directory_pb2

# The roles people join with, as the web client names them (services/gateway/web/ui.js).
ROLE_TITLES = {
    "administrator": "администратор",
    "head": "руководитель",
    "administration": "администрация",
    "teacher": "учитель",
    "class_teacher": "классный руководитель",
    "educator": "воспитатель",
    "student": "ученик",
    "parent": "родитель",
}

# Kinds of live notices (the `kind` of a `notice` frame on the gateway's WebSocket).
JOIN_REQUEST_CREATED = "join_request.created"
JOIN_REQUEST_APPROVED = "join_request.approved"
JOIN_REQUEST_REJECTED = "join_request.rejected"
SUPPORT_REQUEST_CREATED = "support_request.created"
SUPPORT_REQUEST_ANSWERED = "support_request.answered"


@dataclass(frozen=True)
class Letter:
    """An SMS or an e-mail: the subject is used by e-mail only."""

    subject: str
    text: str


@dataclass(frozen=True)
class LiveNotice:
    kind: str
    organisation_id: str
    request_id: str
    text: str

    def frame(self) -> dict[str, Any]:
        return {
            "type": "notice",
            "kind": self.kind,
            "organisation_id": self.organisation_id,
            "id": self.request_id,
            "text": self.text,
        }


def _where(public_url: str) -> str:
    """« на https://parta.example» when the address is known, else nothing."""
    return f" на {public_url.rstrip('/')}" if public_url else ""


def _reason(reason: str) -> str:
    cleaned = " ".join(reason.split()).rstrip(".")
    return f" Причина: {cleaned}." if cleaned else ""


def application_approved(name: str, phone: str, email: str, public_url: str) -> Letter:
    login = f"по номеру {phone}" if phone else f"по адресу {email}"
    return Letter(
        "Заявка организации одобрена",
        f"Парта: заявка организации «{name}» одобрена. Войдите{_where(public_url) or ' в Парту'} {login}"
        " — вы администратор организации.",
    )


def application_rejected(name: str, reason: str, public_url: str) -> Letter:
    return Letter(
        "Заявка организации отклонена",
        f"Парта: заявка организации «{name}» отклонена.{_reason(reason)}"
        f" Исправьте заявку и подайте её снова{_where(public_url)}.",
    )


def join_request_decided(
    event: directory_pb2.JoinRequestDecided, public_url: str
) -> tuple[LiveNotice, Letter]:
    organisation, role = event.organisation_name, event.role
    as_role = f" ({ROLE_TITLES.get(role, role)})" if role else ""
    if event.approved:
        kind, line = JOIN_REQUEST_APPROVED, f"Ваша заявка в «{organisation}»{as_role} одобрена"
        letter = Letter(
            "Заявка на вступление одобрена",
            f"Парта: ваша заявка на вступление в «{organisation}»{as_role} одобрена."
            f" Войдите{_where(public_url) or ' в Парту'}, чтобы начать.",
        )
    else:
        kind, line = (
            JOIN_REQUEST_REJECTED,
            f"Ваша заявка в «{organisation}» отклонена.{_reason(event.reason)}",
        )
        letter = Letter(
            "Заявка на вступление отклонена",
            f"Парта: ваша заявка на вступление в «{organisation}»{as_role} отклонена.{_reason(event.reason)}",
        )
    return LiveNotice(kind, event.organisation_id, event.request_id, line), letter


def support_answered(
    event: directory_pb2.SupportRequestAnswered, public_url: str
) -> tuple[LiveNotice, Letter]:
    line = f"Ответ на ваше обращение «{event.subject}»"
    place = f" в «{event.organisation_name}»" if event.organisation_name else ""
    letter = Letter(
        "Ответ на ваше обращение",
        f"Парта: пришёл ответ на ваше обращение «{event.subject}»{place}."
        f" Прочитайте его в разделе «Поддержка»{_where(public_url)}.",
    )
    return LiveNotice(SUPPORT_REQUEST_ANSWERED, event.organisation_id, event.request_id, line), letter


def new_join_request(event: directory_pb2.JoinRequestCreated) -> LiveNotice:
    role = ROLE_TITLES.get(event.role, event.role)
    who = f"{event.requester_name} — {role}" if event.requester_name else role
    return LiveNotice(
        JOIN_REQUEST_CREATED, event.organisation_id, event.request_id, f"Новая заявка на вступление: {who}"
    )


def new_support_request(event: directory_pb2.SupportRequestCreated) -> LiveNotice:
    return LiveNotice(
        SUPPORT_REQUEST_CREATED,
        event.organisation_id,
        event.request_id,
        f"Новое обращение: «{event.subject}»",
    )
