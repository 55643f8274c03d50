"""The public API describes itself: /api/openapi.json lists every route with the error shape."""

from __future__ import annotations

from tests.support.platform import Platform


async def test_openapi_document_lists_the_auth_and_me_routes(platform: Platform) -> None:
    response = await platform.http.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path, method in [
        ("/api/v1/auth/code", "post"),
        ("/api/v1/auth/token", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/keys", "get"),
        ("/api/v1/me", "get"),
        ("/api/v1/me", "patch"),
        ("/api/v1/me/sessions", "get"),
        ("/api/v1/me/sessions/{session_id}", "delete"),
    ]:
        assert method in paths[path], (path, method)
        assert "429" in paths[path][method]["responses"] or path != "/api/v1/auth/code"
    assert "ErrorResponse" in document["components"]["schemas"]


async def test_health_endpoints(platform: Platform) -> None:
    assert (await platform.http.get("/healthz")).status_code == 200
    assert (await platform.http.get("/readyz")).status_code == 200
