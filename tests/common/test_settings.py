"""Settings come from PARTA_ variables, validated at start with a message naming the bad one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from services.identity.config import IdentitySettings


def test_settings_read_parta_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTA_GRPC_PORT", "6000")
    monkeypatch.setenv("PARTA_CODE_TTL_SECONDS", "120")
    settings = IdentitySettings()
    assert (settings.grpc_port, settings.code_ttl_seconds) == (6000, 120)


def test_bad_variable_is_named_and_the_service_exits() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.identity.main", "serve"],
        env={"PARTA_GRPC_PORT": "many", "PARTA_DATABASE_URL": "postgresql://x@/y", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "PARTA_GRPC_PORT: Input should be a valid integer" in result.stderr
