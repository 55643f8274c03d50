"""HTTP shortcuts for talking to the gateway: the bearer header of a person's tokens, and reading an
answer that must have a given status."""

from __future__ import annotations

from typing import Any


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def ok(response: Any, status: int = 200) -> Any:
    """The JSON body of `response`, which must have `status`."""
    assert response.status_code == status, response.text
    return response.json()
