"""The grace a lost media connection gets (services/media/calls/connections.py): a session LOST
longer than the grace leaves DISCONNECTED, one that reconnects within it keeps its place, and one the
SFU CLOSED leaves at once, and one the database holds open but the SFU does not vouch for (its
snapshot after a restart) leaves after the grace. States are fed as the SFU's WatchSessions stream
gives them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from parta.media.v1 import sfu_pb2, sfu_pb2_grpc
from services.media.calls.connections import ConnectionWatch
from tests.support.waiting import until


class NoSfus:
    """A placement with no SFU to watch: the test feeds the states itself."""

    def place(self, call_id: str) -> str:
        return ""

    def sfu(self, address: str) -> sfu_pb2_grpc.SfuStub:
        raise AssertionError("not asked")

    def addresses(self) -> list[str]:
        return []

    async def close(self) -> None:
        return None


@pytest_asyncio.fixture
async def watch_and_gone() -> AsyncIterator[tuple[ConnectionWatch, list[tuple[str, str]]]]:
    gone: list[tuple[str, str]] = []

    async def record(call_id: str, session_id: str) -> None:
        gone.append((call_id, session_id))

    async def nothing_open(address: str) -> list[tuple[str, str]]:
        return []

    watch = ConnectionWatch(NoSfus(), record, nothing_open, grace_seconds=0.2, connect_seconds=0.3)
    watch.start()
    try:
        yield watch, gone
    finally:
        await watch.stop()


def state(session: str, connection: int) -> sfu_pb2.SessionState:
    return sfu_pb2.SessionState(call_id="call", session_id=session, user_id="u", connection=connection)


async def test_a_session_lost_longer_than_the_grace_leaves(
    watch_and_gone: tuple[ConnectionWatch, list[tuple[str, str]]],
) -> None:
    watch, gone = watch_and_gone
    watch.seen(state("s1", sfu_pb2.MEDIA_CONNECTION_CONNECTED))
    watch.seen(state("s1", sfu_pb2.MEDIA_CONNECTION_LOST))
    assert watch.waiting == {"s1"}
    assert gone == []
    await until(lambda: gone == [("call", "s1")], what="the lost session leaving after the grace")
    assert watch.waiting == set()


async def test_reconnecting_within_the_grace_keeps_the_session(
    watch_and_gone: tuple[ConnectionWatch, list[tuple[str, str]]],
) -> None:
    watch, gone = watch_and_gone
    watch.seen(state("s2", sfu_pb2.MEDIA_CONNECTION_LOST))
    watch.seen(state("s2", sfu_pb2.MEDIA_CONNECTION_LOST))  # said twice: still one timer
    assert watch.waiting == {"s2"}
    watch.seen(state("s2", sfu_pb2.MEDIA_CONNECTION_CONNECTED))
    assert watch.waiting == set()  # the timer is cancelled: nothing can make it leave now
    assert gone == []


async def test_a_session_the_sfu_closed_leaves_at_once(
    watch_and_gone: tuple[ConnectionWatch, list[tuple[str, str]]],
) -> None:
    watch, gone = watch_and_gone
    watch.seen(state("s3", sfu_pb2.MEDIA_CONNECTION_LOST))
    watch.seen(state("s3", sfu_pb2.MEDIA_CONNECTION_CLOSED))
    assert watch.waiting == set()
    await until(lambda: gone == [("call", "s3")], what="the closed session leaving")


async def test_an_open_session_the_sfu_does_not_vouch_for_leaves_after_the_grace(
    watch_and_gone: tuple[ConnectionWatch, list[tuple[str, str]]],
) -> None:
    """The stream (re)opened: what the database has open is suspect until the snapshot names it."""
    watch, gone = watch_and_gone
    watch.suspect([("call", "held"), ("call", "forgotten")])
    watch.seen(state("held", sfu_pb2.MEDIA_CONNECTION_CONNECTED))  # the snapshot vouches for it
    assert watch.waiting == {"forgotten"}
    await until(lambda: gone == [("call", "forgotten")], what="the forgotten session leaving")


async def test_a_session_that_never_connects_leaves_after_its_time_to_connect(
    watch_and_gone: tuple[ConnectionWatch, list[tuple[str, str]]],
) -> None:
    """A page closed before its peer connection came up leaves no ghost in the call."""
    watch, gone = watch_and_gone
    watch.seen(state("ghost", sfu_pb2.MEDIA_CONNECTION_NEW))
    watch.seen(state("real", sfu_pb2.MEDIA_CONNECTION_NEW))
    watch.seen(state("real", sfu_pb2.MEDIA_CONNECTION_CONNECTED))
    assert watch.waiting == {"ghost"}
    await until(lambda: gone == [("call", "ghost")], what="the never-connected session leaving")
