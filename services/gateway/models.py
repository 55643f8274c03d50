"""The public API's request and response bodies (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(examples=["rule_refused"])
    message: str = Field(examples=["Блокировка возможна только после более чем трёх нарушений"])
    rule: str | None = Field(default=None, examples=["R-MOD-3"])
    field: str | None = Field(
        default=None, examples=["tax_id"], description="the request field the error is about, when it is one"
    )


class ErrorResponse(BaseModel):
    error: ErrorBody


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


class ChildAccount(BaseModel):
    user_id: str
    first_name: str
    last_name: str


class RoleVerification(BaseModel):
    id: str
    organisation_id: str
    role: str
    status: str
    decided_at: datetime | None = None
    reason: str = ""


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


class Jwk(BaseModel):
    kty: str = "OKP"
    crv: str = "Ed25519"
    alg: str = "EdDSA"
    use: str = "sig"
    kid: str
    x: str


class Jwks(BaseModel):
    keys: list[Jwk]


class DevMail(BaseModel):
    destination: str
    text: str
    sent_at: datetime | None


class DevMailbox(BaseModel):
    messages: list[DevMail]
