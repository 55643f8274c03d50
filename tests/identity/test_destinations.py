"""Where codes go (R-PRIV-3): phones normalised to E.164 from Russian spellings, e-mails checked."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.identity.destinations import Destination, Kind, parse_destination


@pytest.mark.parametrize(
    "raw",
    [
        "+7 916 123-45-67",
        "8 916 123 45 67",
        "8 (916) 123-45-67",
        "89161234567",
        "+79161234567",
        " 7-916-123-45-67 ",
    ],
)
def test_russian_phone_spellings_normalise_to_e164(raw: str) -> None:
    assert parse_destination(raw) == Destination(Kind.PHONE, "+79161234567")


@pytest.mark.parametrize(
    "raw", ["12345", "+7 916 123", "call me", "8 800 OOO 00 00", "+7 916 123-45-67-89-00", ""]
)
def test_malformed_phone_refused_with_message(raw: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_destination(raw)
    assert refused.value.message


def test_email_is_lower_cased() -> None:
    assert parse_destination(" Ivan.Petrov@School.Example ") == Destination(
        Kind.EMAIL, "ivan.petrov@school.example"
    )


@pytest.mark.parametrize("raw", ["ivan@", "@school.ru", "ivan@@school.ru", "ivan petrov@school.ru"])
def test_malformed_email_refused(raw: str) -> None:
    with pytest.raises(InvalidArgument, match="электронной почты"):
        parse_destination(raw)


def test_masked_destination_hides_most_of_it() -> None:
    assert Destination(Kind.PHONE, "+79161234567").masked() == "+7 *** ***-**-67"
    assert Destination(Kind.EMAIL, "ivan@school.ru").masked() == "i***@school.ru"
