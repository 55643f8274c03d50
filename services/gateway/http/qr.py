"""QR codes of this Parta's own links: POST /api/v1/qr {text} → image/svg+xml (segno).

Why a server endpoint and only for our links: the administrator prints an invite link's QR code for
a class meeting (R-INV-1); drawing it in the gateway keeps the web client free of a vendored
library. A QR code of any text would make the gateway a free QR service, so the text must be a link
to this Parta (PARTA_PUBLIC_URL, or the address the request came to when that is empty), at most
`MAX_TEXT` characters, and the caller must be signed in (identity checks the token).

The routes and their request and response bodies (the OpenAPI schemas) together."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno
from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from parta.identity.v1 import identity_pb2 as ipb
from services.gateway.deps import BackendsDep

router = APIRouter(tags=["qr"])
MAX_TEXT = 500
NOT_OURS = "QR-код делается только для ссылок этой Парты"


class QrIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="a link to this Parta")


def our_link(text: str, public_url: str) -> str:
    """The link if it is an http(s) link to the same scheme, host and port as `public_url`
    (and under its path); otherwise 400."""
    link, ours = urlsplit(text.strip()), urlsplit(public_url)
    if link.scheme not in ("http", "https") or link.username or link.password:
        raise HTTPException(400, NOT_OURS)
    same_origin = (link.scheme, link.hostname, link.port) == (ours.scheme, ours.hostname, ours.port)
    if not same_origin or not link.path.startswith(ours.path.rstrip("/") + "/"):
        raise HTTPException(400, NOT_OURS)
    return text.strip()


def qr_svg(text: str) -> bytes:
    """An SVG QR code (error correction M, a 4-module quiet zone), scalable, black on white."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(
        buffer, kind="svg", scale=4, border=4, dark="#000", light="#fff", xmldecl=False, svgns=True
    )
    return buffer.getvalue()


@router.post(
    "/api/v1/qr",
    summary="A QR code (SVG) of a link to this Parta, e.g. an invite link (signed-in callers)",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
async def qr_code(body: QrIn, request: Request, backends: BackendsDep) -> Response:
    await backends.identity.GetMe(ipb.GetMeRequest())
    public_url = request.app.state.settings.public_url or str(request.base_url)
    svg = qr_svg(our_link(body.text, public_url))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})
