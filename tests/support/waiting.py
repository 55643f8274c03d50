"""The one way a test waits for something to come true: `until`, polling a check (plain or async)
until it gives a truthy value, and failing with what was awaited and the last value seen."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def until(
    check: Callable[[], Awaitable[T] | T],
    *,
    within: float = 10.0,
    what: str = "the condition",
    every: float = 0.05,
) -> T:
    """The first truthy value `check()` gives (awaited if it is awaitable); AssertionError naming
    `what` and the last value if none comes within `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if loop.time() >= deadline:
            raise AssertionError(f"{what} did not happen within {within:g}s (last: {value!r})")
        await asyncio.sleep(every)
