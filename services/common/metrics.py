"""Prometheus metrics of the shared runtime, declared once, and the per-process /metrics endpoint.

Names follow `parta_<area>_<thing>_<unit>`; the `service` label tells the processes apart when
several run in one Python process (tests, benchmarks).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import Counter, Gauge, Histogram, start_http_server

GRPC_REQUESTS = Counter("parta_grpc_requests_total", "gRPC calls handled", ["service", "method", "code"])
GRPC_LATENCY = Histogram(
    "parta_grpc_request_duration_seconds",
    "gRPC call latency",
    ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
DB_TRANSACTION_SECONDS = Histogram(
    "parta_db_transaction_duration_seconds",
    "Named database transactions",
    ["service", "name"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
)
EVENTS_PUBLISHED = Counter("parta_events_published_total", "Events relayed to JetStream", ["service"])
EVENTS_PUBLISH_ERRORS = Counter(
    "parta_events_publish_errors_total", "Failed attempts to relay the outbox", ["service"]
)
OUTBOX_BACKLOG = Gauge("parta_outbox_backlog_events", "Outbox events not yet relayed", ["service"])
EVENTS_CONSUMED = Counter(
    "parta_events_consumed_total", "Events handled by a consumer", ["service", "consumer", "outcome"]
)
EVENT_CONSUME_LAG = Histogram(
    "parta_event_consume_lag_seconds",
    "Time from an event's occurrence to its handling",
    ["service", "consumer"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120),
)


@dataclass
class MetricsEndpoint:
    """The /metrics HTTP endpoint of one process."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_metrics_endpoint(port: int, host: str = "127.0.0.1") -> MetricsEndpoint:
    """Serve the default registry on http://host:port/metrics (port 0 picks a free one)."""
    server, thread = start_http_server(port, addr=host)
    return MetricsEndpoint(server=server, thread=thread)
