"""Settings from the environment (prefix PARTA_), validated once at start.

A service subclasses `ServiceSettings`; `load_settings` turns a validation failure into one
clear line per bad variable (`PARTA_GRPC_PORT: Input should be a valid integer`) and exits.
"""

from __future__ import annotations

import sys
from typing import TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.eventloop import EventLoopName

S = TypeVar("S", bound=BaseSettings)


class ServiceSettings(BaseSettings):
    """What every Parta process reads from the environment."""

    model_config = SettingsConfigDict(env_prefix="PARTA_", extra="ignore")

    dev: bool = Field(default=False, description="development mode: dev mailbox, readable logs")
    log_level: str = "INFO"
    log_json: bool | None = Field(default=None, description="JSON logs; default: when not a TTY")
    database_url: str = Field(default="", description="this service's PostgreSQL DSN")
    nats_url: str = "nats://127.0.0.1:4222"
    grpc_host: str = "127.0.0.1"
    grpc_port: int = Field(default=0, ge=0, le=65535)
    metrics_port: int = Field(default=0, ge=0, le=65535)
    shutdown_grace_seconds: float = Field(default=10.0, gt=0)
    event_loop: EventLoopName = Field(default="uvloop", description="uvloop, or asyncio (eventloop.py)")


def describe_validation_error(error: ValidationError, prefix: str = "PARTA_") -> str:
    lines = []
    for problem in error.errors():
        name = prefix + "_".join(str(part) for part in problem["loc"]).upper()
        lines.append(f"{name}: {problem['msg']}")
    return "\n".join(lines)


def load_settings(cls: type[S]) -> S:
    """Build settings from the environment, or exit with a line naming each bad variable."""
    try:
        return cls()
    except ValidationError as error:
        prefix = str(cls.model_config.get("env_prefix", "PARTA_"))
        print("invalid configuration:\n" + describe_validation_error(error, prefix), file=sys.stderr)
        raise SystemExit(2) from None
