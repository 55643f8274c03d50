"""Where a one-time code goes: a phone (normalised to E.164) or an e-mail address (R-PRIV-3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email

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


def parse_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidArgument(f"Некорректный адрес электронной почты: {raw.strip()!r}") from None


def parse_phone(raw: str) -> str:
    """Russian formats are accepted: +7 916 123-45-67, 8 (916) 123-45-67, 89161234567."""
    if not re.fullmatch(r"[\d\s()+\-.]{5,25}", raw.strip()):
        raise InvalidArgument(f"Некорректный номер телефона: {raw.strip()!r}")
    try:
        number = phonenumbers.parse(raw, "RU")
    except phonenumbers.NumberParseException:
        raise InvalidArgument(f"Некорректный номер телефона: {raw.strip()!r}") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidArgument(f"Некорректный номер телефона: {raw.strip()!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
