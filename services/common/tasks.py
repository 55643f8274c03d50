"""Background tasks of one owner (a service's housekeeping, a digest loop, a health loop), stopped
together: `TaskSpawner.spawn(coro, name=)` starts one and keeps a reference to it (asyncio keeps only
weak ones), `await close()` cancels those still running and waits for them. A task that ends with an
exception is logged (`task.failed`, with its name and traceback) instead of lost until someone
awaits it. `repeat(job, every=)` is the periodic loop such a task usually runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from services.common.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")


class TaskSpawner:
    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
        """Run `coro` in the background until it ends or `close()` cancels it."""
        if self._closed:
            coro.close()
            raise RuntimeError(f"{self._owner}: no new tasks after close()")
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    @property
    def running(self) -> int:
        """How many spawned tasks have not ended yet."""
        return len(self._tasks)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("task.failed", owner=self._owner, task=task.get_name(), exc_info=error)

    async def close(self) -> None:
        """Cancel the tasks still running and wait until they have ended; spawning stops here."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


async def repeat(
    job: Callable[[], Awaitable[object]], *, every: float, first_after: float = 0.0, name: str
) -> None:
    """Run `job` after `first_after` seconds and then every `every` seconds, forever (until
    cancelled). A run that raises is logged (`task.run_failed`) and the next one still comes."""
    await asyncio.sleep(first_after)
    while True:
        try:
            await job()
        except Exception:
            log.exception("task.run_failed", task=name)
        await asyncio.sleep(every)
