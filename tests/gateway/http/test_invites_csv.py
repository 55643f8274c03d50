"""The printable CSV of a class's batch links, as the gateway writes it: columns separated by «;»
(what a spreadsheet program set up for Russian splits on), a byte-order mark for the Cyrillic, a
Russian file name with an ASCII stand-in (RFC 5987), formulas shown as text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from google.protobuf.timestamp_pb2 import Timestamp

from parta.common.v1 import common_pb2
from parta.directory.v1 import joining_pb2
from services.gateway.http.invites import content_disposition, csv_file_names, invites_csv


def batch(*labels: str) -> joining_pb2.CreatedInviteBatch:
    expires = Timestamp()
    expires.FromDatetime(datetime(2026, 9, 8, 6, 30, tzinfo=UTC))
    return joining_pb2.CreatedInviteBatch(
        invites=[
            joining_pb2.CreatedInvite(
                invite=joining_pb2.Invite(label=label, role=common_pb2.ORG_ROLE_PARENT, expires_at=expires),
                token=f"token{n}",
            )
            for n, label in enumerate(labels)
        ]
    )


def test_csv_columns_are_separated_by_a_semicolon_for_russian_excel() -> None:
    text = invites_csv(batch("Иванова Мария", "Петров; Пётр"), "5Б", "https://parta.example", "Europe/Moscow")
    assert text.startswith("\ufeff")
    lines = text[1:].split("\r\n")
    assert lines[0] == "ФИО/метка;роль;класс;ссылка;действует до"
    assert lines[1] == "Иванова Мария;родитель;5Б;https://parta.example/invite/token0;08.09.2026 09:30"
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[2][0] == "Петров; Пётр"  # a separator inside a name is quoted, not a new column


def test_a_formula_in_a_label_is_shown_as_text() -> None:
    text = invites_csv(batch("=HYPERLINK(1)"), "5Б", "", "UTC")
    assert list(csv.reader(io.StringIO(text[1:]), delimiter=";"))[1][0] == "'=HYPERLINK(1)"


def test_the_file_has_a_russian_name_and_an_ascii_fallback() -> None:
    assert csv_file_names("5Б", "parent") == ("Приглашения-5Б-родители.csv", "invites-5B-parents.csv")
    spaced = csv_file_names("10 «А»", "student")
    assert spaced == ("Приглашения-10-А-ученики.csv", "invites-10-A-students.csv")
    header = content_disposition(*csv_file_names("5Б", "parent"))
    assert header.startswith('attachment; filename="invites-5B-parents.csv"; ')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert encoded == quote("Приглашения-5Б-родители.csv", safe="")
    assert encoded.isascii()
    assert unquote(encoded) == "Приглашения-5Б-родители.csv"
