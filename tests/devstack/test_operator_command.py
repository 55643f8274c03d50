"""`parta operator add` bootstraps the first operator staff into the directory's database."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from sqlalchemy import text

from services.common.db import Database
from services.devstack.embedded import EmbeddedPostgres


async def test_operator_add_puts_the_normalised_phone_in_the_operator_staff() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="po-", dir="/tmp"))
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.cli", "operator", "add", "--phone", "8 (999) 000-00-07",
            "--data-dir", str(data_dir),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, output.decode()
        assert "+79990000007" in output.decode()

        postgres = EmbeddedPostgres(data_dir / "pg")
        db = Database(postgres.uri("parta_directory"), service="test")
        async with db.transaction("read_operators") as conn:
            logins = (await conn.execute(text("SELECT login FROM operator_staff"))).scalars().all()
        await db.close()
        postgres.stop()
        assert logins == ["+79990000007"]
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
