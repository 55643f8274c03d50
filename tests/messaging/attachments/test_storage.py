"""Attachments' storage backends (storage.py) do the same thing: the local directory, and S3 against a
real S3-compatible HTTP server on loopback (moto's ThreadedMotoServer; the outside world's stand-in)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from moto.server import ThreadedMotoServer

from services.devstack.embedded import free_port
from services.messaging.attachments.storage import LocalStorage, S3Storage, Storage, StoredObjectMissing


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest_asyncio.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "local":
        backend: Storage = LocalStorage(tmp_path / "files")
        await backend.start()
    else:
        s3 = S3Storage(
            endpoint=request.getfixturevalue("s3_endpoint"),
            bucket="parta-test",
            region="us-east-1",
            access_key="test-key",
            secret_key="test-secret",
            prefix="messaging",
        )
        await s3.start()
        with contextlib.suppress(s3.client.exceptions.BucketAlreadyOwnedByYou):
            await s3.client.create_bucket(Bucket="parta-test")
        backend = s3
    try:
        yield backend
    finally:
        await backend.stop()


async def read(storage: Storage, key: str, chunk_bytes: int = 256 * 1024) -> bytes:
    return b"".join([chunk async for chunk in storage.get(key, chunk_bytes)])


async def test_put_get_and_delete_a_file_and_bytes(storage: Storage, tmp_path: Path) -> None:
    source = tmp_path / "upload.bin"
    payload = bytes(range(256)) * 4000  # ~1 MB, several chunks
    source.write_bytes(payload)
    key = "attachments/chat/one"
    await storage.put(key, source, "application/pdf")
    await storage.put(key + ".thumb.jpg", b"\xff\xd8\xffthumb", "image/jpeg")

    assert await storage.exists(key)
    assert await read(storage, key, chunk_bytes=64 * 1024) == payload
    assert await read(storage, key + ".thumb.jpg") == b"\xff\xd8\xffthumb"

    await storage.delete(key)
    assert not await storage.exists(key)
    with pytest.raises(StoredObjectMissing):
        await read(storage, key)
    await storage.delete(key)  # deleting again changes nothing
    assert await storage.exists(key + ".thumb.jpg")


async def test_keys_cannot_leave_their_place(storage: Storage) -> None:
    for key in ("../escape", "/absolute", "a//b", "a/./b", ""):
        with pytest.raises(ValueError, match="bad storage key"):
            await storage.put(key, b"x", "text/plain")
