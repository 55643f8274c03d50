"""Forwarding at the RTP level, pure (no I/O, no aiortc): the bytes of RTP and RTCP (`packets`,
`rtcp`), a publisher's track as it arrives (`uptrack`: loss and NACKs upstream, keyframe requests,
its sender-report clock, audio level), each subscriber's copy of it (`downtrack`: rewriting, history,
RTX, sender reports) and the active speaker (`speaker`). The engine wires them to peer connections."""
