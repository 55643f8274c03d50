"""Where attachment bytes live: a `Storage` protocol with two backends, chosen by settings.

- `LocalStorage` (the default): files under a directory (`PARTA_STORAGE_DIR`; `parta run` puts it
  in its data directory). File IO runs in threads, never on the event loop.
- `S3Storage`: an S3-compatible object store (aiobotocore) for production: endpoint, bucket, region,
  access key and secret from settings (`PARTA_S3_*`).

Keys are opaque paths made by the service (`attachments/<chat>/<id>`); the database keeps the
metadata. A missing object raises `StoredObjectMissing`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import ClientError

CHUNK_BYTES = 256 * 1024


class StoredObjectMissing(LookupError):
    """No object under that key."""


class Storage(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def put(self, key: str, source: Path | bytes, content_type: str) -> None:
        """Store the file at `source` (moved or copied) or these bytes under `key`."""

    def get(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; StoredObjectMissing (on first iteration) when absent."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; nothing happens when it is already gone."""

    async def exists(self, key: str) -> bool: ...


def check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"bad storage key: {key!r}")
    return key


class LocalStorage:
    """Objects as files under `root` (created at start)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def start(self) -> None:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)

    async def stop(self) -> None:
        return None

    async def put(self, key: str, source: Path | bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, self._path(key), source)

    @staticmethod
    def _put(target: Path, source: Path | bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        if isinstance(source, bytes):
            partial.write_bytes(source)
        else:
            shutil.copyfile(source, partial)
        os.replace(partial, target)  # readers never see half a file

    async def get(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise StoredObjectMissing(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_bytes):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)


class S3Storage:
    """Objects in one bucket of an S3-compatible store; the client opens at start, closes at stop."""

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        region: str,
        access_key: str,
        secret_key: str,
        prefix: str = "",
    ) -> None:
        self.bucket = bucket
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._options: dict[str, Any] = {
            "endpoint_url": endpoint or None,
            "region_name": region or None,
            "aws_access_key_id": access_key or None,
            "aws_secret_access_key": secret_key or None,
            "config": Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                # No checksum over the whole body before sending (it would read a large file on the
                # event loop); the store checks what it receives against Content-Length.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        }
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None

    def _key(self, key: str) -> str:
        return self._prefix + check_key(key)

    @property
    def client(self) -> Any:
        if self._client is None:
            raise RuntimeError("S3Storage is not started")
        return self._client

    async def start(self) -> None:
        self._client = await self._stack.enter_async_context(
            get_session().create_client("s3", **self._options)
        )

    async def stop(self) -> None:
        await self._stack.aclose()
        self._client = None

    async def put(self, key: str, source: Path | bytes, content_type: str) -> None:
        if isinstance(source, bytes):
            await self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=source, ContentType=content_type
            )
            return
        handle = await asyncio.to_thread(source.open, "rb")
        try:
            await self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=handle,
                ContentType=content_type,
                ContentLength=(await asyncio.to_thread(source.stat)).st_size,
            )
        finally:
            await asyncio.to_thread(handle.close)

    async def get(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        try:
            response = await self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _missing(error):
                raise StoredObjectMissing(key) from None
            raise
        async with response["Body"] as body:
            while chunk := await body.read(chunk_bytes):
                yield chunk

    async def delete(self, key: str) -> None:
        await self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    async def exists(self, key: str) -> bool:
        try:
            await self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True


def _missing(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}
