"""The TURN tests' coturn: one per module, on 127.0.0.1 only (tests/support/coturn.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.support.coturn import Coturn, running_coturn


@pytest_asyncio.fixture(scope="module")
async def coturn(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Coturn]:
    async with running_coturn(tmp_path_factory.mktemp("coturn")) as server:
        yield server
