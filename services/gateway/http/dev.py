"""Development only (PARTA_DEV=1): the dev mailbox, where one-time codes go instead of SMS/e-mail.
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from parta.identity.v1 import identity_pb2 as pb
from services.gateway.deps import BackendsDep
from services.gateway.views import timestamp


class DevMail(BaseModel):
    destination: str
    text: str
    sent_at: datetime | None


class DevMailbox(BaseModel):
    messages: list[DevMail]


router = APIRouter(prefix="/api/v1/dev", tags=["development"])


@router.get("/mailbox", summary="Messages the dev mailbox received (development mode only)")
async def mailbox(backends: BackendsDep, destination: str = "") -> DevMailbox:
    reply = await backends.identity.ListDevMail(pb.ListDevMailRequest(destination=destination))
    return DevMailbox(
        messages=[
            DevMail.model_validate(
                {"destination": m.destination, "text": m.text, "sent_at": timestamp(m.sent_at)}
            )
            for m in reply.messages
        ]
    )
