"""Invite-link tokens and guessing protection, shared by every service that hands out links
(directory's organisation invites, R-INV-2; messaging's chat links, R-CHAT-6).

A token carries 192 random bits from `secrets` and is shown once; only its SHA-256 is stored, so a
leaked database holds no usable link. Failed look-ups of unknown tokens are counted per client
address: past `max_failures` within `window` the address must wait (`guessing_retry_after`)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

TOKEN_BYTES = 24  # 192 bits, above the 128 an unguessable link needs
MAX_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=10)
UNKNOWN_ADDRESS = "unknown"


def new_token() -> str:
    """A fresh URL-safe token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> bytes:
    """What is stored and looked up instead of the token."""
    return hashlib.sha256(token.encode()).digest()


def guessing_retry_after(
    failures: int,
    oldest: datetime | None,
    now: datetime,
    *,
    max_failures: int = MAX_FAILURES,
    window: timedelta = FAILURE_WINDOW,
) -> int | None:
    """Seconds an address must wait after too many unknown tokens, or None when it may look."""
    if failures <= max_failures or oldest is None:
        return None
    return max(1, int((oldest + window - now).total_seconds()) + 1)
