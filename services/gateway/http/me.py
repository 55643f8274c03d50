"""The signed-in person's own profile and sessions: /api/v1/me (R-PRIV-1).
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from parta.identity.v1 import identity_pb2 as pb
from services.common.convert import role_name
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import RoleVerification
from services.gateway.views import timestamp


class ChildAccount(BaseModel):
    user_id: str
    first_name: str
    last_name: str


class Me(BaseModel):
    id: str
    display_name: str
    first_name: str
    last_name: str
    avatar_url: str
    phone: str | None
    email: str | None
    guardian_email: str | None
    children: list[ChildAccount]
    verifications: list[RoleVerification]
    created_at: datetime | None


class MeUpdate(BaseModel):
    display_name: str | None = Field(default=None, max_length=64)
    first_name: str | None = Field(default=None, max_length=64)
    last_name: str | None = Field(default=None, max_length=64)
    avatar_url: str | None = Field(default=None, max_length=400)


class SessionInfo(BaseModel):
    id: str
    device_name: str
    client_address: str
    created_at: datetime | None
    last_used_at: datetime | None
    current: bool


class Sessions(BaseModel):
    sessions: list[SessionInfo]


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
async def get_me(backends: BackendsDep) -> Me:
    return _me(await backends.identity.GetMe(pb.GetMeRequest()))


@router.patch("", summary="Edit my school profile")
async def update_me(body: MeUpdate, backends: BackendsDep) -> Me:
    request = pb.UpdateMeRequest(**body.model_dump(exclude_none=True))
    return _me(await backends.identity.UpdateMe(request))


@router.get("/sessions", summary="My sessions (devices)")
async def sessions(backends: BackendsDep) -> Sessions:
    reply = await backends.identity.ListSessions(pb.ListSessionsRequest())
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
async def revoke_session(session_id: str, backends: BackendsDep) -> Response:
    await backends.identity.RevokeSession(pb.RevokeSessionRequest(session_id=session_id))
    return Response(status_code=204)
