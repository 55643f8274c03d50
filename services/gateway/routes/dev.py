"""Development only (PARTA_DEV=1): the dev mailbox, where one-time codes go instead of SMS/e-mail."""

from __future__ import annotations

from fastapi import APIRouter

from parta.identity.v1 import identity_pb2 as pb
from services.gateway.deps import RpcDep, timestamp
from services.gateway.models import DevMail, DevMailbox

router = APIRouter(prefix="/api/v1/dev", tags=["development"])


@router.get("/mailbox", summary="Messages the dev mailbox received (development mode only)")
async def mailbox(rpc: RpcDep, destination: str = "") -> DevMailbox:
    reply = await rpc.clients.identity.ListDevMail(
        pb.ListDevMailRequest(destination=destination), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return DevMailbox(
        messages=[
            DevMail.model_validate(
                {"destination": m.destination, "text": m.text, "sent_at": timestamp(m.sent_at)}
            )
            for m in reply.messages
        ]
    )
