"""Join requests, movement, support requests and the year rollover: /api/v1/orgs/{org}/...
(R-INV-3, R-MOVE-1, R-MOVE-2, R-PRIV-4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["people"])
