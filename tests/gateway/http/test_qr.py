"""QR codes of this Parta's links (POST /api/v1/qr, for printing invite links, R-INV-1): an SVG for a
signed-in caller and a link to this Parta only; anything else is refused."""

from __future__ import annotations

import pytest
from fastapi import HTTPException

from services.gateway.http.qr import MAX_TEXT, our_link
from tests.support.http import bearer
from tests.support.platform import Platform


@pytest.mark.parametrize(
    "text",
    [
        "https://parta.example/invite/abc",
        "https://parta.example/c/xyz?x=1",
    ],
)
def test_links_to_this_parta_are_ours(text: str) -> None:
    assert our_link(text, "https://parta.example") == text


@pytest.mark.parametrize(
    "text",
    [
        "https://evil.example/invite/abc",
        "http://parta.example/invite/abc",  # another scheme
        "https://parta.example:8443/invite/abc",  # another port
        "https://parta.example.evil.example/invite/abc",
        "https://user:pw@parta.example/invite/abc",
        "javascript:alert(1)",
        "просто текст",
        "https://parta.example/other-parta/invite/abc",  # outside PUBLIC_URL's path
    ],
)
def test_other_text_is_not_ours(text: str) -> None:
    with pytest.raises(HTTPException):
        our_link(text, "https://parta.example/school-parta/")


async def test_a_signed_in_caller_gets_an_svg_qr_code_of_an_invite_link_only(platform: Platform) -> None:
    tokens = await platform.sign_in("qr-maker@school.example")
    base = str(platform.http.base_url).rstrip("/")
    link = f"{base}/invite/AbCdEf123"
    made = await platform.http.post("/api/v1/qr", headers=bearer(tokens), json={"text": link})
    assert made.status_code == 200, made.text
    assert made.headers["content-type"].startswith("image/svg+xml")
    assert made.text.lstrip().startswith("<svg")
    assert "<path" in made.text
    other = await platform.http.post("/api/v1/qr", headers=bearer(tokens), json={"text": link + "X"})
    assert other.status_code == 200
    assert other.text != made.text

    foreign = await platform.http.post(
        "/api/v1/qr", headers=bearer(tokens), json={"text": "https://evil.example/invite/x"}
    )
    assert foreign.status_code == 400
    assert "этой Парты" in foreign.json()["error"]["message"]
    too_long = await platform.http.post(
        "/api/v1/qr", headers=bearer(tokens), json={"text": f"{base}/invite/{'a' * MAX_TEXT}"}
    )
    assert too_long.status_code == 400
    anonymous = await platform.http.post("/api/v1/qr", json={"text": link})
    assert anonymous.status_code == 401
