"""The media service: calls in chats (R-MEDIA-1, R-MEDIA-3) — its control plane (calls,
participants, signalling passed to the SFU) and, in `sfu/`, the forwarding process `parta-sfu`."""
