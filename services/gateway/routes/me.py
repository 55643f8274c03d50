"""The signed-in person's own profile and sessions: /api/v1/me (R-PRIV-1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from parta.identity.v1 import identity_pb2 as pb
from services.common.convert import role_name
from services.gateway.deps import RpcDep, timestamp
from services.gateway.models import Me, MeUpdate, SessionInfo, Sessions

router = APIRouter(prefix="/api/v1/me", tags=["me"])


def _me(user: pb.User) -> Me:
    data: dict[str, Any] = {
        "id": user.id,
        "display_name": user.display_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "avatar_url": user.avatar_url,
        "phone": user.phone or None,
        "email": user.email or None,
        "guardian_email": user.guardian_email or None,
        "children": [
            {"user_id": c.user_id, "first_name": c.first_name, "last_name": c.last_name}
            for c in user.children
        ],
        "verifications": [
            {
                "id": v.id,
                "organisation_id": v.organisation_id,
                "role": role_name(v.role),
                "status": pb.RoleVerification.Status.Name(v.status).removeprefix("STATUS_").lower(),
                "decided_at": timestamp(v.decided_at),
                "reason": v.reason,
            }
            for v in user.verifications
        ],
        "created_at": timestamp(user.created_at),
    }
    return Me.model_validate(data)


@router.get("", summary="My school profile")
async def get_me(rpc: RpcDep) -> Me:
    return _me(
        await rpc.clients.identity.GetMe(pb.GetMeRequest(), metadata=rpc.metadata, timeout=rpc.timeout)
    )


@router.patch("", summary="Edit my school profile")
async def update_me(body: MeUpdate, rpc: RpcDep) -> Me:
    request = pb.UpdateMeRequest(**body.model_dump(exclude_none=True))
    return _me(await rpc.clients.identity.UpdateMe(request, metadata=rpc.metadata, timeout=rpc.timeout))


@router.get("/sessions", summary="My sessions (devices)")
async def sessions(rpc: RpcDep) -> Sessions:
    reply = await rpc.clients.identity.ListSessions(
        pb.ListSessionsRequest(), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return Sessions(
        sessions=[
            SessionInfo.model_validate(
                {
                    "id": s.id,
                    "device_name": s.device_name,
                    "client_address": s.client_address,
                    "created_at": timestamp(s.created_at),
                    "last_used_at": timestamp(s.last_used_at),
                    "current": s.current,
                }
            )
            for s in reply.sessions
        ]
    )


@router.delete("/sessions/{session_id}", status_code=204, summary="End one of my sessions")
async def revoke_session(session_id: str, rpc: RpcDep) -> Response:
    await rpc.clients.identity.RevokeSession(
        pb.RevokeSessionRequest(session_id=session_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return Response(status_code=204)
