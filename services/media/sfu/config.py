"""The SFU process's settings (PARTA_ prefix): the shared ones (no database), the engine's own —
which addresses it offers to clients (host candidates), which networks it may send media to, the
STUN/TURN servers of its own peer connections, its UDP ports — and the fleet's (issue 14): how many
processes run on the node, the node's name, the address the control plane dials, the registry's
heartbeat and TTL, the drain deadline. Lists are comma-separated in the environment.

Process i of a node (`--processes N`) listens on `PARTA_GRPC_PORT`+i and `PARTA_METRICS_PORT`+i and
takes the i-th of N even slices of `PARTA_SFU_UDP_PORTS` (`for_process`)."""

from __future__ import annotations

import ipaddress
import os
import socket

from pydantic import Field, field_validator

from services.common.live import SFU_FLEET_BUCKET
from services.common.settings import ServiceSettings


def split_list(value: str) -> list[str]:
    """ "a, b" → ["a", "b"]; "" → []."""
    return [part.strip() for part in value.split(",") if part.strip()]


class SfuSettings(ServiceSettings):
    grpc_port: int = Field(default=50055, ge=0, le=65535)
    metrics_port: int = Field(default=9105, ge=0, le=65535)
    # The addresses the SFU gathers host candidates on (PARTA_SFU_HOST_ADDRESSES): on one machine
    # 127.0.0.1; in a cluster the pod's or node's address. Nothing else is offered to clients.
    sfu_host_addresses: str = "127.0.0.1"
    # The networks a remote candidate must be in to be used (PARTA_SFU_ALLOWED_NETWORKS, CIDR): any
    # other candidate is dropped before a STUN or RTP packet goes to it (the network safety).
    sfu_allowed_networks: str = "127.0.0.0/8"
    # STUN/TURN servers of the SFU's own peer connections (PARTA_SFU_ICE_URLS; none on one machine),
    # with the TURN username / credential when a TURN URL is among them.
    sfu_ice_urls: str = ""
    sfu_ice_username: str = ""
    sfu_ice_credential: str = ""

    # --- the fleet (services/media/sfu/fleet/) ---------------------------------------------------
    # "auto" = one process per core, or a number (PARTA_SFU_PROCESSES; `--processes` overrides it).
    sfu_processes: str = "1"
    # This process's index on the node (set by the supervisor for each process it starts; 0 alone).
    sfu_process: int = Field(default=0, ge=0)
    # The machine or pod (PARTA_SFU_NODE); empty = the host name.
    sfu_node: str = ""
    # The host the control plane dials (PARTA_SFU_ADVERTISE_HOST); empty = the gRPC host (a wildcard
    # host is then this machine's 127.0.0.1). In Kubernetes the pod IP.
    sfu_advertise_host: str = ""
    sfu_heartbeat_seconds: float = Field(default=2.0, gt=0)
    # An entry not renewed for this long is gone (the bucket's TTL: a process killed with -9).
    sfu_registry_ttl_seconds: float = Field(default=10.0, gt=0)
    # After SIGTERM / Drain: the deadline after which the remaining participants are moved elsewhere.
    sfu_drain_seconds: float = Field(default=7200.0, gt=0)
    # The UDP ports of the node's media ("40000-40999"; empty = any ephemeral port), split evenly
    # between its processes.
    sfu_udp_ports: str = "40000-40999"
    # The address(es) put in host candidates instead of the bound one (a 1:1 NAT, a LoadBalancer IP).
    sfu_announced_addresses: str = ""
    # The registry's KV bucket (tests give each run its own; production keeps the one name).
    sfu_fleet_bucket: str = SFU_FLEET_BUCKET

    @field_validator("sfu_processes")
    @classmethod
    def _processes_parse(cls, value: str) -> str:
        if value.strip().lower() != "auto" and not (value.strip().isdigit() and int(value) >= 1):
            raise ValueError('"auto" or a number of processes (1 or more)')
        return value.strip().lower()

    @field_validator("sfu_udp_ports")
    @classmethod
    def _ports_parse(cls, value: str) -> str:
        port_range(value)
        return value.strip()

    @field_validator("sfu_allowed_networks")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        for network in split_list(value):
            ipaddress.ip_network(network, strict=False)
        return value

    @property
    def host_addresses(self) -> list[str]:
        return split_list(self.sfu_host_addresses)

    @property
    def allowed_networks(self) -> list[str]:
        return split_list(self.sfu_allowed_networks)

    @property
    def ice_urls(self) -> list[str]:
        return split_list(self.sfu_ice_urls)

    @property
    def process_count(self) -> int:
        """How many processes this node runs ("auto": one per core)."""
        if self.sfu_processes == "auto":
            return max(
                1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
            )
        return int(self.sfu_processes)

    @property
    def node(self) -> str:
        return self.sfu_node or socket.gethostname()

    @property
    def advertise_host(self) -> str:
        if self.sfu_advertise_host:
            return self.sfu_advertise_host
        return "127.0.0.1" if self.grpc_host in ("", "0.0.0.0", "::") else self.grpc_host

    @property
    def announced_addresses(self) -> list[str]:
        return split_list(self.sfu_announced_addresses)

    @property
    def udp_ports(self) -> tuple[int, int] | None:
        """This process's slice of the node's UDP range: the i-th of N even parts; None = any port."""
        whole = port_range(self.sfu_udp_ports)
        if whole is None:
            return None
        return udp_slice(whole, self.sfu_process, self.process_count)

    def for_process(self, index: int) -> SfuSettings:
        """The settings of process `index` of this node: its own ports (a port 0 stays 0: any)."""
        return self.model_copy(
            update={
                "sfu_process": index,
                "grpc_port": self.grpc_port + index if self.grpc_port else 0,
                "metrics_port": self.metrics_port + index if self.metrics_port else 0,
            }
        )


def port_range(value: str) -> tuple[int, int] | None:
    """ "40000-40999" → (40000, 40999); "" → None (any ephemeral port)."""
    value = value.strip()
    if not value:
        return None
    low, sep, high = value.partition("-")
    if not sep or not low.strip().isdigit() or not high.strip().isdigit():
        raise ValueError('a UDP port range "low-high", e.g. 40000-40999, or empty')
    first, last = int(low), int(high)
    if not 1 <= first <= last <= 65535:
        raise ValueError("a UDP port range within 1-65535, low before high")
    return first, last


def udp_slice(whole: tuple[int, int], index: int, count: int) -> tuple[int, int]:
    """The `index`-th of `count` even slices of the range (the last takes the remainder)."""
    first, last = whole
    size = (last - first + 1) // count
    if size < 1:
        raise ValueError(f"the UDP range {first}-{last} is too small for {count} processes")
    low = first + index * size
    high = last if index == count - 1 else low + size - 1
    return low, high
