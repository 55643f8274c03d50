"""The rules of notifications as plain functions (services/messaging/notify_rules.py) and the Web Push
message format (services/messaging/webpush.py) against an independent decryption and JWT check."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from services.common.errors import InvalidArgument
from services.messaging.notifications.rules import (
    QuietHours,
    UnreadChat,
    digest_chats,
    digest_due,
    digest_mail,
    format_clock,
    is_child,
    is_quiet,
    parse_clock,
    push_held,
    push_text,
)
from services.messaging.notifications.webpush import (
    PushTarget,
    b64url,
    b64url_decode,
    check_endpoint,
    check_keys,
    encrypt,
    generate_vapid_key,
    load_vapid_key,
    vapid_headers,
)

MOSCOW_NIGHT = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # 23:30 in Moscow (UTC+3)
MOSCOW_MORNING = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 08:00 in Moscow: quiet hours are over
MOSCOW_DAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


def test_quiet_hours_run_across_midnight() -> None:
    hours = QuietHours(start=21 * 60, end=8 * 60, time_zone="Europe/Moscow")
    assert is_quiet(hours, MOSCOW_NIGHT)
    assert is_quiet(hours, datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # 04:00 in Moscow
    assert is_quiet(hours, datetime(2026, 11, 23, 18, 0, tzinfo=UTC))  # 21:00 sharp begins them
    assert not is_quiet(hours, MOSCOW_MORNING)  # 08:00 sharp ends them
    assert not is_quiet(hours, MOSCOW_DAY)


def test_quiet_hours_within_one_day() -> None:
    siesta = QuietHours(start=13 * 60, end=15 * 60, time_zone="Europe/Moscow")
    assert is_quiet(siesta, datetime(2026, 11, 23, 10, 30, tzinfo=UTC))  # 13:30
    assert not is_quiet(siesta, MOSCOW_NIGHT)


def test_quiet_hours_are_read_on_the_organisations_clock() -> None:
    """09:00 UTC is 12:00 in Moscow but 19:00 in Vladivostok, 21:00 in Kamchatka."""
    at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert not is_quiet(QuietHours(time_zone="Europe/Moscow"), at)
    assert not is_quiet(QuietHours(time_zone="Asia/Vladivostok"), at)
    assert is_quiet(QuietHours(time_zone="Asia/Kamchatka"), at)


def test_unknown_time_zone_falls_back_to_moscow() -> None:
    assert is_quiet(QuietHours(time_zone="Mars/Olympus"), MOSCOW_NIGHT)
    assert is_quiet(QuietHours(time_zone=""), MOSCOW_NIGHT)


def test_disabled_or_empty_quiet_hours_never_hold() -> None:
    assert not is_quiet(QuietHours(enabled=False), MOSCOW_NIGHT)
    assert not is_quiet(QuietHours(start=600, end=600), MOSCOW_NIGHT)


def test_only_children_are_held_at_night() -> None:
    hours = QuietHours()
    assert push_held({"student"}, hours, MOSCOW_NIGHT)
    assert not push_held({"student"}, hours, MOSCOW_DAY)
    for adult in ({"teacher"}, {"parent"}, {"administrator"}, {"student", "teacher"}, set()):
        assert not push_held(adult, hours, MOSCOW_NIGHT), adult
    assert is_child(["student"])
    assert not is_child([])


def test_clock_parsing() -> None:
    assert parse_clock("21:00", "x") == 1260
    assert parse_clock("8:05", "x") == 485
    assert format_clock(485) == "08:05"
    for bad in ("24:00", "12:60", "noon", "", "21-00"):
        with pytest.raises(InvalidArgument):
            parse_clock(bad, "x")


def test_push_text_never_carries_the_message() -> None:
    one = push_text("5А", 1)
    assert (one.title, one.body) == ("«5А»", "Новое сообщение")
    assert push_text("5А", 4).body == "Непрочитанных сообщений: 4"


def unread(title: str, count: int, oldest: datetime, newest: datetime | None = None) -> UnreadChat:
    return UnreadChat(uuid.uuid4(), "Школа № 1", title, count, oldest, newest or oldest)


def test_digest_waits_until_unread_messages_are_old_enough() -> None:
    now = MOSCOW_DAY
    fresh = unread("5А", 2, now - timedelta(hours=1))
    old = unread("Родители 5А", 1, now - timedelta(hours=7))
    assert digest_chats([fresh], now=now, older_than=timedelta(hours=6), last_sent=None) == []
    listed = digest_chats([fresh, old], now=now, older_than=timedelta(hours=6), last_sent=None)
    assert [c.title for c in listed] == ["5А", "Родители 5А"]


def test_digest_does_not_repeat_the_same_unread_pile() -> None:
    now = MOSCOW_DAY
    pile = unread("5А", 3, now - timedelta(days=3), now - timedelta(days=2))
    yesterday = now - timedelta(days=1)
    assert digest_chats([pile], now=now, older_than=timedelta(hours=6), last_sent=yesterday) == []
    grown = unread("5А", 4, now - timedelta(days=3), now - timedelta(hours=7))
    assert digest_chats([grown], now=now, older_than=timedelta(hours=6), last_sent=yesterday) == [grown]


def test_digest_at_most_once_a_day() -> None:
    assert digest_due(None, MOSCOW_DAY, timedelta(days=1))
    assert not digest_due(MOSCOW_DAY - timedelta(hours=23), MOSCOW_DAY, timedelta(days=1))
    assert digest_due(MOSCOW_DAY - timedelta(hours=24), MOSCOW_DAY, timedelta(days=1))


def test_digest_mail_escapes_titles_and_has_no_message_text() -> None:
    chat = unread('<img src=x onerror="alert(1)">', 2, MOSCOW_DAY)
    mail = digest_mail([chat], "https://parta.example/")
    assert "<img" not in mail.html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in mail.html
    assert '<img src=x onerror="alert(1)">' in mail.text  # plain text is not markup
    assert "https://parta.example/chats" in mail.text
    assert mail.subject == "Парта: непрочитанных сообщений — 2"


# --- the Web Push format --------------------------------------------------------------------------------
def subscriber() -> tuple[ec.EllipticCurvePrivateKey, PushTarget]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return key, PushTarget("https://fcm.googleapis.com/wp/abc", b64url(public), b64url(os.urandom(16)))


def test_payload_is_encrypted_for_the_browser_alone() -> None:
    key, target = subscriber()
    body = encrypt(target, b'{"title":"x"}')
    assert b"title" not in body
    plain = http_ece.decrypt(
        body, private_key=key, auth_secret=b64url_decode(target.auth), version="aes128gcm"
    )
    assert plain == b'{"title":"x"}'
    other, _ = subscriber()
    with pytest.raises(Exception):  # noqa: B017, PT011 - http_ece raises cryptography's InvalidTag
        http_ece.decrypt(body, private_key=other, auth_secret=b64url_decode(target.auth), version="aes128gcm")


def test_vapid_header_is_an_es256_jwt_for_the_push_services_origin() -> None:
    vapid = generate_vapid_key()
    header = vapid_headers(vapid, "https://fcm.googleapis.com/wp/abc", "mailto:ops@parta.example")
    scheme, params = header["Authorization"].split(" ", 1)
    parts = dict(item.strip().split("=", 1) for item in params.split(","))
    assert scheme == "vapid"
    assert parts["k"] == vapid.public
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(vapid.public))
    claims = jwt.decode(parts["t"], public, algorithms=["ES256"], audience="https://fcm.googleapis.com")
    assert claims["sub"] == "mailto:ops@parta.example"


def test_vapid_key_from_settings_round_trips() -> None:
    vapid = generate_vapid_key()
    assert load_vapid_key(vapid.private) == vapid
    with pytest.raises(SystemExit):
        load_vapid_key("not a key")


def test_only_known_push_services_are_called() -> None:
    hosts = ["fcm.googleapis.com", "push.services.mozilla.com"]
    assert check_endpoint("https://fcm.googleapis.com/wp/1", hosts, False)
    assert check_endpoint("https://updates.push.services.mozilla.com/wpush/v2/x", hosts, False)
    for bad in (
        "http://fcm.googleapis.com/wp/1",
        "https://evil.example/wp",
        "https://fcm.googleapis.com.evil.example/",
        "https://169.254.169.254/latest",
        "file:///etc/passwd",
    ):
        with pytest.raises(InvalidArgument):
            check_endpoint(bad, hosts, False)


def test_subscription_keys_are_checked() -> None:
    _, target = subscriber()
    assert check_keys(target.p256dh, target.auth) == (target.p256dh, target.auth)
    with pytest.raises(InvalidArgument):
        check_keys(b64url(b"\x04" + b"\x01" * 64), target.auth)  # not a point on P-256
    with pytest.raises(InvalidArgument):
        check_keys(target.p256dh, b64url(b"short"))
