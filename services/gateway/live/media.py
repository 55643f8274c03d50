"""The person's calls, live: one core-NATS subscription on `parta.live.media.<user_id>` per person
with a signed-in WebSocket on this gateway process (however many sockets they have), beside their
notices (users.py). Media and the SFU publish a `LiveCallEvent` there (services/common/live.py);
each of the person's sockets gets it as a `call.*` frame (calls.py: `call.offer`,
`call.participants`, `call.speaker`, `call.muted`, `call.closed`), made once per event. The frame
names the device ("session_id") it is for; a page ignores those of its other devices."""

from __future__ import annotations

from services.common.live import LIVE_MEDIA_PREFIX
from services.gateway.live.calls import call_event_frame
from services.gateway.live.hub import LiveHub
from services.gateway.live.users import PersonChannels


class CallChannels(PersonChannels):
    def __init__(self, hub: LiveHub) -> None:
        super().__init__(hub, LIVE_MEDIA_PREFIX, call_event_frame, "call")
