"""Sign-in by one-time code and tokens: /api/v1/auth/* (R-PRIV-3, R-INV-4).
The routes with their request and response bodies."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from parta.identity.v1 import identity_pb2 as pb
from services.gateway.deps import BackendsDep


class Child(BaseModel):
    """A primary-school student signing in with a parent's e-mail (R-INV-4)."""

    first_name: str = Field(min_length=1, max_length=64)
    last_name: str = Field(min_length=1, max_length=64)


class CodeRequest(BaseModel):
    destination: str = Field(
        min_length=1, max_length=254, description="phone (+7 916 123-45-67, 8 916...) or e-mail"
    )
    child: Child | None = None


class CodeSent(BaseModel):
    sent_to: str
    expires_in: int
    resend_after: int


class TokenRequest(BaseModel):
    destination: str = Field(min_length=1, max_length=254)
    code: str = Field(min_length=1, max_length=16)
    child: Child | None = None
    device_name: str = Field(default="", max_length=120)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    session_id: str
    user_id: str
    account_created: bool


class Jwk(BaseModel):
    kty: str = "OKP"
    crv: str = "Ed25519"
    alg: str = "EdDSA"
    use: str = "sig"
    kid: str
    x: str


class Jwks(BaseModel):
    keys: list[Jwk]


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
async def request_code(body: CodeRequest, backends: BackendsDep) -> CodeSent:
    reply = await backends.identity.RequestCode(
        pb.RequestCodeRequest(destination=body.destination, child=_child(body))
    )
    return CodeSent(
        sent_to=reply.sent_to, expires_in=reply.expires_in_seconds, resend_after=reply.resend_after_seconds
    )


@router.post("/token", summary="Exchange a one-time code for an access and a refresh token")
async def token(body: TokenRequest, backends: BackendsDep) -> TokenResponse:
    reply = await backends.identity.VerifyCode(
        pb.VerifyCodeRequest(
            destination=body.destination, code=body.code, child=_child(body), device_name=body.device_name
        )
    )
    return _tokens(reply)


@router.post("/refresh", summary="Rotate a refresh token (a replayed one ends the session)")
async def refresh(body: RefreshRequest, backends: BackendsDep) -> TokenResponse:
    reply = await backends.identity.RefreshToken(pb.RefreshTokenRequest(refresh_token=body.refresh_token))
    return _tokens(reply)


@router.post("/logout", status_code=204, summary="End the current session")
async def logout(backends: BackendsDep) -> Response:
    await backends.identity.Logout(pb.LogoutRequest())
    return Response(status_code=204)


@router.get("/keys", summary="Public keys that verify access tokens (JWKS)")
async def keys(backends: BackendsDep) -> Jwks:
    reply = await backends.identity.GetSigningKeys(pb.GetSigningKeysRequest())
    return Jwks(keys=[Jwk(kid=key.kid, x=key.x) for key in reply.keys])
