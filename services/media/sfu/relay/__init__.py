"""The relay between SFU processes (issue 14, broadcasts; docs/decisions/009-sfu-relay.md): plain
RTP/RTCP over one UDP socket per process, inside the cluster. On the origin (the call's publishers)
each published up-track gets a relay down-track per edge that sends its packets to the edge's socket
and answers the edge's NACKs from its history; on the edge each relayed track is an up-track fed by
relay packets, in the edge's room as a publisher its viewers subscribe to like any other. Keyframe
requests go up each hop under that hop's aggregation. Never decodes.

`Relay` (hub.py) is what the engine holds; `Relay.address()` is what the fleet registry publishes as
`SfuProcess.relay_address`."""

from services.media.sfu.relay.hub import Relay

__all__ = ["Relay"]
