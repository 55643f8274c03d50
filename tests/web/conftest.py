"""Browser fixtures for the web client's tests: one headless Debian Chromium per test session
(driven by Playwright's async API, never `playwright install`) and a fresh browser context per
person. What the tests do in the page is in `tests/web/browser.py`."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.support.platform import Platform
from tests.web.browser import PHONE, Person, base_url

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
expect.set_options(timeout=5_000)


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture
async def person(browser: Browser, platform: Platform) -> AsyncIterator[Person]:
    """`await person()` opens a page in a fresh browser context (its own storage: one person)."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    async def open_page(viewport: dict[str, int] = PHONE) -> Page:
        context = await browser.new_context(
            viewport=viewport, base_url=base_url(platform), locale="ru-RU", timezone_id="Europe/Moscow"
        )
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        await context.close()
    assert not errors, f"errors in the page: {errors}"
