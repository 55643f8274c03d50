"""Phone numbers and e-mail addresses as Parta stores them: phones in E.164 (Russian spellings
such as "8 916 ..." accepted), e-mails validated and lower-cased."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from services.common.errors import InvalidArgument


def parse_email(raw: str, *, field: str | None = None) -> str:
    """`field` names the request field it came from, for the error."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidArgument(f"Некорректный адрес электронной почты: «{raw.strip()}»", field=field) from None


def parse_phone(raw: str, *, field: str | None = None) -> str:
    """+7 916 123-45-67, 8 (916) 123-45-67 and 89161234567 all give +79161234567; `field` names
    the request field it came from, for the error."""
    wrong = f"Некорректный номер телефона: «{raw.strip()}»"
    if not re.fullmatch(r"[\d\s()+\-.]{5,25}", raw.strip()):
        raise InvalidArgument(wrong, field=field)
    try:
        number = phonenumbers.parse(raw, "RU")
    except phonenumbers.NumberParseException:
        raise InvalidArgument(wrong, field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidArgument(wrong, field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
