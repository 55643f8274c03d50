"""Chats, channels and messages: /api/v1/chats and /api/v1/orgs/{org}/chats (R-CHAT-1..7)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["chats"])
