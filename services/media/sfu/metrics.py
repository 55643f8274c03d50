"""The SFU process's Prometheus metrics, declared once (`parta_sfu_*`).

The forwarding path counts in plain integers on its tracks; the rooms add them here once per report
interval (a labelled counter per packet would cost more than forwarding the packet)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CALLS = Gauge("parta_sfu_calls", "Calls (rooms) open on this SFU process")
PARTICIPANTS = Gauge("parta_sfu_participants", "Participant sessions open on this SFU process")
TRACKS = Gauge("parta_sfu_tracks", "Published tracks being received", ["kind"])
DOWNTRACKS = Gauge("parta_sfu_downtracks", "Subscriber copies of tracks (down-tracks)", ["kind"])
PACKETS_IN = Counter("parta_sfu_packets_in_total", "RTP packets received from publishers", ["kind"])
BYTES_IN = Counter("parta_sfu_bytes_in_total", "RTP bytes received from publishers", ["kind"])
PACKETS_OUT = Counter("parta_sfu_packets_out_total", "RTP packets forwarded to subscribers", ["kind"])
BYTES_OUT = Counter("parta_sfu_bytes_out_total", "RTP payload bytes forwarded to subscribers", ["kind"])
FORWARDING_DELAY = Histogram(
    "parta_sfu_forwarding_delay_seconds",
    "From a packet's decryption to its last copy handed to a subscriber transport",
    buckets=(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05),
)
LOST_UPSTREAM = Counter("parta_sfu_lost_upstream_packets_total", "Publisher packets lost for good", ["kind"])
SUBSCRIBER_LOSS = Histogram(
    "parta_sfu_subscriber_loss_ratio",
    "Fraction of a down-track's packets its subscriber reported lost (RTCP receiver reports, before RTX)",
    buckets=(0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
)
NACKS_SENT = Counter("parta_sfu_nacks_sent_total", "NACKs sent to publishers")
NACKS_RECEIVED = Counter("parta_sfu_nacks_received_total", "NACKs received from subscribers")
RTX_SENT = Counter("parta_sfu_rtx_sent_total", "Retransmissions sent to subscribers")
RTX_RECEIVED = Counter("parta_sfu_rtx_received_total", "Retransmissions received from publishers")
PLI_SENT = Counter("parta_sfu_pli_sent_total", "Keyframe requests sent to publishers")
PLI_RECEIVED = Counter(
    "parta_sfu_pli_received_total", "Keyframe requests (PLI/FIR) received from subscribers"
)
