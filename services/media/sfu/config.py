"""The SFU process's settings (PARTA_ prefix): the shared ones (no database) and the engine's own —
which addresses it offers to clients (host candidates), which networks it may send media to, and the
STUN/TURN servers of its own peer connections. Lists are comma-separated in the environment."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator

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
