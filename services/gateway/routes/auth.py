"""Sign-in by one-time code and tokens: /api/v1/auth/* (R-PRIV-3, R-INV-4)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from parta.identity.v1 import identity_pb2 as pb
from services.gateway.deps import RpcDep
from services.gateway.models import (
    CodeRequest,
    CodeSent,
    Jwk,
    Jwks,
    RefreshRequest,
    TokenRequest,
    TokenResponse,
)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _child(body: CodeRequest | TokenRequest) -> pb.ChildRef | None:
    return (
        pb.ChildRef(first_name=body.child.first_name, last_name=body.child.last_name) if body.child else None
    )


def _tokens(reply: pb.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=reply.access_token,
        expires_in=reply.access_expires_in_seconds,
        refresh_token=reply.refresh_token,
        session_id=reply.session_id,
        user_id=reply.user_id,
        account_created=reply.account_created,
    )


@router.post("/code", status_code=202, summary="Send a one-time code to a phone or an e-mail")
async def request_code(body: CodeRequest, rpc: RpcDep) -> CodeSent:
    reply = await rpc.clients.identity.RequestCode(
        pb.RequestCodeRequest(destination=body.destination, child=_child(body)),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return CodeSent(
        sent_to=reply.sent_to, expires_in=reply.expires_in_seconds, resend_after=reply.resend_after_seconds
    )


@router.post("/token", summary="Exchange a one-time code for an access and a refresh token")
async def token(body: TokenRequest, rpc: RpcDep) -> TokenResponse:
    reply = await rpc.clients.identity.VerifyCode(
        pb.VerifyCodeRequest(
            destination=body.destination, code=body.code, child=_child(body), device_name=body.device_name
        ),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return _tokens(reply)


@router.post("/refresh", summary="Rotate a refresh token (a replayed one ends the session)")
async def refresh(body: RefreshRequest, rpc: RpcDep) -> TokenResponse:
    reply = await rpc.clients.identity.RefreshToken(
        pb.RefreshTokenRequest(refresh_token=body.refresh_token), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return _tokens(reply)


@router.post("/logout", status_code=204, summary="End the current session")
async def logout(rpc: RpcDep) -> Response:
    await rpc.clients.identity.Logout(pb.LogoutRequest(), metadata=rpc.metadata, timeout=rpc.timeout)
    return Response(status_code=204)


@router.get("/keys", summary="Public keys that verify access tokens (JWKS)")
async def keys(rpc: RpcDep) -> Jwks:
    reply = await rpc.clients.identity.GetSigningKeys(
        pb.GetSigningKeysRequest(), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return Jwks(keys=[Jwk(kid=key.kid, x=key.x) for key in reply.keys])
