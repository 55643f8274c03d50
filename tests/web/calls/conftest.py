"""A media-capable browser for the call tests: Debian's Chromium with fake camera, microphone and
screen (no prompts), loopback ICE candidates allowed, sound that plays without a click, and a fresh
context per person whose pages run the client's call test mode (`parta.call.test` in localStorage:
only loopback candidates are sent, and `window.__parta_call` exposes the peer connections)."""

from __future__ import annotations

import importlib.util
import math
import struct
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser

from tests.support.platform import Platform
from tests.web.browser import Person, chromium, people

MEDIA_FLAGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]
CALL_TEST_MODE = "localStorage.setItem('parta.call.test', '1')"


def tone(path: Path, seconds: float = 1.0, hertz: float = 440.0, rate: int = 48_000) -> Path:
    """A steady tone as a WAV file: every fake microphone speaks all the time (Chromium's own fake
    microphone only beeps for a moment each second, too short to make anyone the active speaker)."""
    amplitude = 0.3 * 32767
    frames = b"".join(
        struct.pack("<h", round(amplitude * math.sin(2 * math.pi * hertz * n / rate)))
        for n in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


@pytest_asyncio.fixture(scope="session")
async def media_browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    """tests/web's Chromium (tests/web/browser.py) with MEDIA_FLAGS and a steady tone as the microphone."""
    voice = tone(tmp_path_factory.mktemp("call-audio") / "tone.wav")
    async with chromium(*MEDIA_FLAGS, f"--use-file-for-fake-audio-capture={voice}") as launched:
        yield launched


async def missing_backend(platform: Platform) -> str:
    """What of the calls backend this platform lacks (built alongside on other branches), or ''."""
    paths = (await platform.http.get("/api/openapi.json")).json().get("paths", {})
    if "/api/v1/chats/{chat_id}/call" not in paths:
        return "the gateway's call routes (branch gateway-calls)"
    if getattr(platform, "media", None) is None:
        return "the media service in the test platform (branch media-control)"
    return ""


@pytest.fixture
def live_calls() -> None:
    """Skips a test that needs the WebRTC signalling over the live socket while the gateway lacks it."""
    if importlib.util.find_spec("services.gateway.live.calls") is None:
        pytest.skip("calls need the gateway's call frames on the live socket (branch gateway-calls)")


@pytest_asyncio.fixture
async def caller(media_browser: Browser, platform: Platform) -> AsyncIterator[Person]:
    """`await caller()` opens a page with a camera and a microphone in a fresh context (one person)."""
    if missing := await missing_backend(platform):
        pytest.skip(f"calls need {missing}")
    async with people(media_browser, platform, CALL_TEST_MODE) as open_page:
        yield open_page
