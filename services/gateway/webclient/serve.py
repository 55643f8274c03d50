"""Serves the web client: static files from `services/gateway/webclient/static/` (plain ES modules, no build
step), the single-page fallback to `index.html`, and security headers on every response — a
Content-Security-Policy with no inline scripts, so text from a message can never run."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles

from services.gateway.asgi import SecurityHeaders
from services.gateway.errors import error_response

WEB_ROOT = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self' ws: wss:",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# Paths the API, health and metrics own; everything else is the client's to route.
NOT_CLIENT_PATHS = ("/api/", "/healthz", "/readyz")


def add_security_headers(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS)


def mount_web_client(app: FastAPI, root: Path = WEB_ROOT) -> None:
    """Serve the client from `root` (when it exists): its files under /static, index.html elsewhere."""
    index = root / "index.html"
    if not index.exists():
        return
    app.mount("/static", StaticFiles(directory=root), name="static")
    worker = root / "sw.js"

    @app.get("/sw.js", include_in_schema=False)
    async def service_worker() -> Response:
        # The service worker of Web Push, at the root so that its scope is the whole client.
        return FileResponse(worker, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    @app.get("/{path:path}", include_in_schema=False)
    async def client(path: str) -> Response:
        if ("/" + path).startswith(NOT_CLIENT_PATHS):
            return error_response(404, "not_found", "Нет такого адреса")
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
