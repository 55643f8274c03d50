"""A test's client of the gateway's live channel (`/api/v1/ws`): `live(port, tokens, chats)` opens a
WebSocket, signs in, subscribes and yields a `Live` that sends and reads frames."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

Tokens = dict[str, Any]


class Live:
    """A test's WebSocket client speaking the live protocol."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv(self, within: float = 2.0) -> dict[str, Any]:
        return dict(json.loads(await asyncio.wait_for(self.ws.recv(), within)))

    async def until(self, frame_type: str, within: float = 2.0) -> dict[str, Any]:
        while True:
            frame = await self.recv(within)
            if frame["type"] == frame_type:
                return frame

    async def messages(self, count: int, within: float = 2.0) -> list[dict[str, Any]]:
        found = []
        while len(found) < count:
            frame = await self.recv(within)
            assert frame["type"] != "error", frame
            if frame["type"] == "message":
                found.append(frame)
        return found

    async def rest(self, settle: float = 0.3) -> list[dict[str, Any]]:
        """Everything that arrives before the answer to a ping sent after `settle` seconds."""
        await asyncio.sleep(settle)
        await self.send({"type": "ping"})
        frames = []
        while (frame := await self.recv()) != {"type": "pong"}:
            frames.append(frame)
        return frames


def ws_url(port: int) -> str:
    return f"ws://127.0.0.1:{port}/api/v1/ws"


@asynccontextmanager
async def live(port: int, tokens: Tokens, chats: dict[str, int] | None = None) -> AsyncIterator[Live]:
    async with connect(ws_url(port)) as ws:
        client = Live(ws)
        await client.send({"type": "auth", "token": tokens["access_token"]})
        assert await client.recv() == {"type": "ready", "user_id": tokens["user_id"]}
        if chats:
            await client.send({"type": "subscribe", "chats": chats})
        yield client
