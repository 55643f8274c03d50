"""Browser fixtures for the web client's tests: one headless Debian Chromium per test session
(driven by Playwright's async API, never `playwright install`) and a fresh browser context per
person. What the tests do in the page is in `tests/web/browser.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser, expect

from tests.support.platform import Platform
from tests.web.browser import Person, chromium, people

expect.set_options(timeout=5_000)


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest_asyncio.fixture
async def person(browser: Browser, platform: Platform) -> AsyncIterator[Person]:
    """`await person()` opens a page in a fresh browser context (its own storage: one person)."""
    async with people(browser, platform) as open_page:
        yield open_page
