"""Assignments, invite links and parent links: /api/v1/orgs/{org}/... and /api/v1/invites/{token}
(R-ROLE-3, R-ROLE-4, R-ROLE-6, R-INV-1, R-INV-2, R-INV-5)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["joining"])
