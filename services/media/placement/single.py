"""One SFU process for every call (PARTA_SFU_ADDR): the placement of this issue."""

from __future__ import annotations

import grpc

from parta.media.v1 import sfu_pb2_grpc


class OneSfu:
    def __init__(self, address: str) -> None:
        self._address = address
        self._channels: dict[str, grpc.aio.Channel] = {}

    def place(self, call_id: str) -> str:
        return self._address

    def sfu(self, address: str) -> sfu_pb2_grpc.SfuStub:
        channel = self._channels.get(address)
        if channel is None:
            channel = self._channels[address] = grpc.aio.insecure_channel(address)
        return sfu_pb2_grpc.SfuStub(channel)

    def addresses(self) -> list[str]:
        return [self._address]

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()
