"""Where a call's room lives: the seam between the control plane and the SFU processes.

`Placement` answers where a new call goes and gives the stub of the process holding a call (the
address is kept with the call, `calls.sfu_address`). Two kinds: `fleet.SfuFleet`, the default — the
processes registered in the NATS KV registry, the least loaded SERVING one chosen — and
`single.OneSfu`, one fixed process (PARTA_SFU_ADDR set). The fleet tells a `FleetListener` when a
process appears (its sessions are to be watched) and when one is gone — lost, or draining past its
deadline — so that its calls are placed again."""

from __future__ import annotations

from typing import Literal, Protocol

from parta.media.v1 import sfu_pb2_grpc

GoneReason = Literal["lost", "drain"]


class Placement(Protocol):
    def place(self, call_id: str, *, avoid: str = "") -> str:
        """The address of the SFU process a new call goes to (kept with the call), never `avoid`;
        Unavailable when there is none."""
        ...

    def sfu(self, address: str) -> sfu_pb2_grpc.SfuStub:
        """The gRPC stub of the SFU process at `address` (a call's room stays where it was placed)."""
        ...

    def addresses(self) -> list[str]:
        """Every SFU process whose sessions the control plane watches (WatchSessions) now."""
        ...

    def suspect(self, address: str) -> None:
        """The process's WatchSessions stream broke: if its heartbeats have stopped too, it is lost."""
        ...

    async def close(self) -> None: ...


class FleetListener(Protocol):
    """What the fleet tells the rest of the control plane. Called from the fleet's own task; must not
    block (work is spawned)."""

    def appeared(self, address: str) -> None:
        """A process registered: follow its sessions."""

    def gone(self, address: str, reason: GoneReason) -> None:
        """ "lost": the process is gone (expired, or stopped with its heartbeats); "drain": it is past
        its drain deadline. Either way its calls are to be placed again."""
