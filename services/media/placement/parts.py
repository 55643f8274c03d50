"""Where a call's room lives: the seam between the control plane and the SFU processes. In this issue
one SFU holds every call (`placement/single.py`); the fleet — processes registered with their load,
the least loaded chosen, drain — is issue 14 and plugs in here."""

from __future__ import annotations

from typing import Protocol

from parta.media.v1 import sfu_pb2_grpc


class Placement(Protocol):
    def place(self, call_id: str) -> str:
        """The address of the SFU process a new call goes to (kept with the call)."""
        ...

    def sfu(self, address: str) -> sfu_pb2_grpc.SfuStub:
        """The gRPC stub of the SFU process at `address` (a call's room stays where it was placed)."""
        ...

    def addresses(self) -> list[str]:
        """Every SFU process whose sessions the control plane watches (WatchSessions)."""
        ...

    async def close(self) -> None: ...
