"""The core-NATS subjects of live delivery, named once for every service that publishes or listens.

- `parta.live.chat.<chat_id>`: messaging publishes a `parta.messaging.v1.LiveChatEvent` (its `kind`
  is the `LiveEventKind` enum of the same contract); every gateway subscribes once per chat that its
  sockets follow.
- `parta.live.user.<user_id>`: identity's notices, as a request (no reply: no page open) or a
  publish; every gateway subscribes once per signed-in person.
- `parta.live.media.<user_id>`: a `parta.media.v1.LiveCallEvent` for that person's pages in a call
  (the SFU's subscriber offers and active speaker, the control plane's participant list, mutes and
  removals); gateways pass it to the person's sockets as a `call` frame.

Not durable by design: a client that reconnects catches up from history.
"""

from __future__ import annotations

LIVE_CHAT_PREFIX = "parta.live.chat."
LIVE_USER_PREFIX = "parta.live.user."
LIVE_MEDIA_PREFIX = "parta.live.media."
# The SFU fleet's registry: a NATS KV bucket, one `parta.media.v1.SfuProcess` per process under
# `<node>.<process>` (proto/parta/media/v1/fleet.proto).
SFU_FLEET_BUCKET = "parta_sfu_fleet"


def chat_subject(chat_id: str) -> str:
    return LIVE_CHAT_PREFIX + chat_id


def user_subject(user_id: str) -> str:
    return LIVE_USER_PREFIX + user_id


def media_subject(user_id: str) -> str:
    return LIVE_MEDIA_PREFIX + user_id
