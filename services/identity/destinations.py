"""Where a one-time code goes: a phone (normalised to E.164) or an e-mail address (R-PRIV-3)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.common.contacts import parse_email, parse_phone
from services.common.errors import InvalidArgument


class Kind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True)
class Destination:
    kind: Kind
    value: str  # +79161234567 or ivan@example.ru

    def masked(self) -> str:
        """Partly hidden, for telling the user where the code went."""
        if self.kind is Kind.PHONE:
            return f"{self.value[:2]} *** ***-**-{self.value[-2:]}"
        local, _, domain = self.value.partition("@")
        return f"{local[0]}***@{domain}"


def parse_destination(raw: str) -> Destination:
    text = raw.strip()
    if not text:
        raise InvalidArgument("Укажите номер телефона или адрес электронной почты")
    if "@" in text:
        return Destination(Kind.EMAIL, parse_email(text))
    return Destination(Kind.PHONE, parse_phone(text))
