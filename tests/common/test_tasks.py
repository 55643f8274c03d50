"""Background tasks (services/common/tasks.py): cancelled together on close, failures logged."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from services.common.tasks import TaskSpawner, repeat


async def test_close_cancels_the_running_tasks_and_waits_for_them() -> None:
    spawner = TaskSpawner("test")
    started = asyncio.Event()
    cleaned_up = []

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned_up.append(True)

    task = spawner.spawn(forever(), name="forever")
    await started.wait()
    assert spawner.running == 1
    await spawner.close()
    assert task.cancelled()
    assert cleaned_up == [True]  # close() returned only after the task had unwound
    assert spawner.running == 0


async def test_a_finished_task_is_forgotten_and_its_result_kept() -> None:
    spawner = TaskSpawner("test")

    async def answer() -> int:
        return 42

    task = spawner.spawn(answer(), name="answer")
    assert await task == 42
    await asyncio.sleep(0)  # the done callback runs on the next loop turn
    assert spawner.running == 0
    await spawner.close()


async def test_a_task_that_fails_is_logged_with_its_name() -> None:
    spawner = TaskSpawner("identity")

    async def broken() -> None:
        raise ValueError("disk on fire")

    with capture_logs() as logs:
        task = spawner.spawn(broken(), name="identity-housekeeping")
        with pytest.raises(ValueError, match="disk on fire"):
            await task
        await asyncio.sleep(0)
    failed = [entry for entry in logs if entry["event"] == "task.failed"]
    assert len(failed) == 1
    assert failed[0]["task"] == "identity-housekeeping"
    assert failed[0]["owner"] == "identity"
    assert isinstance(failed[0]["exc_info"], ValueError)
    await spawner.close()


async def test_a_cancelled_task_is_not_logged_as_failed() -> None:
    spawner = TaskSpawner("test")
    with capture_logs() as logs:
        spawner.spawn(asyncio.sleep(3600), name="sleeper")
        await asyncio.sleep(0)
        await spawner.close()
    assert [entry for entry in logs if entry["event"] == "task.failed"] == []


async def test_no_spawning_after_close() -> None:
    spawner = TaskSpawner("test")
    await spawner.close()
    coro = asyncio.sleep(0)
    with pytest.raises(RuntimeError):
        spawner.spawn(coro, name="late")


async def test_repeat_runs_again_after_a_failed_run_until_cancelled() -> None:
    runs = 0
    third = asyncio.Event()

    async def job() -> None:
        nonlocal runs
        runs += 1
        if runs == 3:
            third.set()
        if runs == 1:
            raise RuntimeError("first run fails")

    spawner = TaskSpawner("test")
    with capture_logs() as logs:
        spawner.spawn(repeat(job, every=0.01, name="job"), name="job")
        await asyncio.wait_for(third.wait(), timeout=5)
        await spawner.close()
    assert runs >= 3
    assert [entry["task"] for entry in logs if entry["event"] == "task.run_failed"] == ["job"]


async def test_repeat_waits_first_after_before_the_first_run() -> None:
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1

    spawner = TaskSpawner("test")
    spawner.spawn(repeat(job, every=3600, first_after=3600, name="late"), name="late")
    await asyncio.sleep(0.05)
    await spawner.close()
    assert runs == 0
