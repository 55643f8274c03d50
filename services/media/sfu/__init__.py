"""`parta-sfu`: the selective forwarding unit. It takes each publisher's RTP after SRTP decryption
and sends it to each subscriber, rewritten per subscriber, never decoding (docs/decisions/007).

The process shell (`main`, `config`, `api`) serves `parta.media.v1.Sfu` over the engine's port
(`ports`). The engine: `engine` (rooms by call, `EngineOptions` in `options`), `room` (a call's
sessions, negotiation, its clocks), `peers` (a session's publisher and subscriber peer connections),
`forwarding/` (the RTP path, pure: up-tracks, down-tracks, RTCP, fan-out, active speaker),
`adapter` (every private name of aiortc it uses) and `metrics`.

Choices the issue left open: the down-tracks send no transport-wide feedback (aiortc has none) and
cap publishers with REMB (`EngineOptions.max_*_bitrate`); a moderator's mute holds until the person
publishes that source again unmuted (a new publisher offer whose TrackInfo for it has muted false —
a reconnecting page that keeps it muted keeps the mute); the msid stream of every
subscriber m-line is the publishing session's id, so a page groups (and lip-syncs) a person's audio
and video by `event.streams[0].id`; a page that never sends `call.visible` receives all video.
"""
