"""The rules of notifications as plain functions: quiet hours in an organisation's time zone, whose
pushes quiet hours hold (children: students), what a push says, and which chats an e-mail digest
lists. No I/O here; `delivery.py` feeds these with facts from the store."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.common.errors import InvalidArgument

# Quiet hours unless the administrator changes them: 21:00–08:00 in the organisation's time zone.
DEFAULT_QUIET_START = 21 * 60
DEFAULT_QUIET_END = 8 * 60
# Where the directory has told messaging no time zone yet (its own default for new organisations).
DEFAULT_TIME_ZONE = "Europe/Moscow"
# Roles whose pushes quiet hours hold: children (R-ROLE-1 "student").
CHILD_ROLES = frozenset({"student"})
# A push waits at the push service this long for an offline browser; after that it is dropped, as
# the chat's unread badge still says it.
PUSH_TTL_SECONDS = 24 * 3600

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class QuietHours:
    """An organisation's quiet hours: from `start` to `end` (minutes after local midnight); a span
    with start > end runs across midnight (21:00–08:00). start == end means no quiet time at all."""

    enabled: bool = True
    start: int = DEFAULT_QUIET_START
    end: int = DEFAULT_QUIET_END
    time_zone: str = DEFAULT_TIME_ZONE


def parse_clock(text: str, what: str) -> int:
    """'21:00' → 1260 minutes after midnight; InvalidArgument for anything else."""
    match = _CLOCK.match(text.strip())
    if match is None:
        raise InvalidArgument(f"{what}: время в виде ЧЧ:ММ, например 21:00")
    return int(match.group(1)) * 60 + int(match.group(2))


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def zone(name: str) -> ZoneInfo:
    """The organisation's zone; an unknown or empty name falls back to the default one."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def is_quiet(hours: QuietHours, now: datetime) -> bool:
    """Is `now` (an aware datetime) inside the quiet hours, on the organisation's local clock?"""
    if not hours.enabled or hours.start == hours.end:
        return False
    local = now.astimezone(zone(hours.time_zone))
    minute = local.hour * 60 + local.minute
    if hours.start < hours.end:
        return hours.start <= minute < hours.end
    return minute >= hours.start or minute < hours.end


def is_child(roles: Iterable[str]) -> bool:
    """A child is a student of the organisation (R-ROLE-1); a student who is also staff or a parent
    there is an adult and is not held."""
    held = frozenset(roles)
    return bool(held & CHILD_ROLES) and not (held - CHILD_ROLES)


def push_held(roles: Iterable[str], hours: QuietHours, now: datetime) -> bool:
    """Pushes to children are not sent during their organisation's quiet hours (dropped, not deferred:
    the message waits in the chat with its unread badge, and no burst of pushes comes at 08:00)."""
    return is_child(roles) and is_quiet(hours, now)


@dataclass(frozen=True)
class PushText:
    title: str
    body: str


def push_text(chat_title: str, unread: int) -> PushText:
    """What a lock screen shows: the chat's title and how many are unread — never the message text
    or its author (a child's phone lies on the desk; the push service is a third party)."""
    body = f"Непрочитанных сообщений: {unread}" if unread > 1 else "Новое сообщение"
    return PushText(title=f"«{chat_title}»", body=body)


# --- the e-mail digest -------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnreadChat:
    """One chat of a digest: what is unread there for its reader."""

    chat_id: uuid.UUID
    organisation: str
    title: str
    unread: int
    oldest_unread_at: datetime
    newest_unread_at: datetime


def digest_due(last_sent: datetime | None, now: datetime, interval: timedelta) -> bool:
    """At most one digest per `interval` (a day) per person."""
    return last_sent is None or now - last_sent >= interval


def digest_chats(
    unread: Iterable[UnreadChat], *, now: datetime, older_than: timedelta, last_sent: datetime | None
) -> list[UnreadChat]:
    """The chats a digest lists, or none at all. A digest goes only when some unread message waits
    longer than `older_than` (someone who reads the app gets no e-mail), and only when something
    arrived since the last digest (the same unread pile is not mailed every day)."""
    chats = [chat for chat in unread if chat.unread > 0]
    if not any(now - chat.oldest_unread_at >= older_than for chat in chats):
        return []
    if last_sent is not None and not any(chat.newest_unread_at > last_sent for chat in chats):
        return []
    return sorted(chats, key=lambda chat: (chat.organisation, chat.title))


@dataclass(frozen=True)
class DigestMail:
    subject: str
    text: str
    html: str


def digest_mail(chats: list[UnreadChat], web_url: str) -> DigestMail:
    """The digest: chats and unread counts only, no message text (the inbox is often shared in a
    family, and a school's talk stays in the school's app). Titles are escaped in the HTML part."""
    total = sum(chat.unread for chat in chats)
    subject = f"Парта: непрочитанных сообщений — {total}"
    lines = ["Здравствуйте!", "", "В школьных чатах вас ждут непрочитанные сообщения:", ""]
    items = []
    for chat in chats:
        lines.append(f"• {chat.organisation} — «{chat.title}»: {chat.unread}")
        items.append(f"<li>{escape(chat.organisation)} — «{escape(chat.title)}»: <b>{chat.unread}</b></li>")
    link = web_url.rstrip("/") + "/chats" if web_url else ""
    footer = [
        "",
        f"Открыть чаты: {link}" if link else "Откройте Парту, чтобы прочитать их.",
        "",
        "Сводка приходит не чаще раза в день. Отключить её можно в профиле:",
        "«Сводка непрочитанного на почту».",
    ]
    text = "\n".join(lines + footer) + "\n"
    open_link = (
        f'<p><a href="{escape(link, quote=True)}">Открыть чаты</a></p>'
        if link
        else "<p>Откройте Парту, чтобы прочитать их.</p>"
    )
    html = (
        '<!doctype html><html lang="ru"><body>'
        "<p>Здравствуйте!</p><p>В школьных чатах вас ждут непрочитанные сообщения:</p>"
        f"<ul>{''.join(items)}</ul>{open_link}"
        "<p>Сводка приходит не чаще раза в день. Отключить её можно в профиле: "
        "«Сводка непрочитанного на почту».</p></body></html>"
    )
    return DigestMail(subject=subject, text=text, html=html)
