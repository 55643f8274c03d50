"""The notices' own setting: the public address of this Parta, named in the messages sent."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class NoticeSettings(BaseSettings):
    """PARTA_PUBLIC_URL, the same variable the gateway reads (empty: the messages name no address)."""

    model_config = SettingsConfigDict(env_prefix="PARTA_", extra="ignore")

    public_url: str = ""
