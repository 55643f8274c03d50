"""What the web client's tests do in a browser: sign in through the page (or its dev mailbox panel),
start a page as someone already signed in, give a name, read what the page shows, check it with
axe-core, save screenshots, and a platform in development mode whose codes land in the dev mailbox;
the headless Chromium the fixtures launch (`chromium`, extra flags for the call tests) and the
person factory that opens a fresh browser context per person (`people`)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Locator, Page, async_playwright, expect

from tests.support.platform import (
    CODE_PATTERN,
    Inbox,
    Infra,
    Platform,
    identity_settings,
    normalise_phone,
    running_platform,
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
DEFAULT_NAME = ("Анна", "Тестова")
AXE = Axe()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

Person = Callable[..., Awaitable[Page]]

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


@asynccontextmanager
async def chromium(*extra_flags: str) -> AsyncIterator[Browser]:
    """Debian's headless Chromium (never `playwright install`) with FLAGS and `extra_flags`; the test
    is skipped where it is not installed."""
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*FLAGS, *extra_flags], headless=True
        )
        yield launched
        await launched.close()


@asynccontextmanager
async def people(
    browser: Browser, platform: Platform, init_script: str | None = None
) -> AsyncIterator[Person]:
    """`await person()` opens a page in a fresh browser context (its own storage: one person), with
    `init_script` run in each of its pages; at the end every context closes and no page may have
    thrown an error."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    async def open_page(viewport: dict[str, int] = PHONE) -> Page:
        context = await browser.new_context(
            viewport=viewport, base_url=base_url(platform), locale="ru-RU", timezone_id="Europe/Moscow"
        )
        if init_script is not None:
            await context.add_init_script(init_script)
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        await context.close()
    assert not errors, f"errors in the page: {errors}"


def base_url(platform: Platform) -> str:
    return f"http://127.0.0.1:{platform.gateway.port}"


async def sign_in(
    page: Page, platform: Platform, destination: str, path: str = "/", name: tuple[str, str] = DEFAULT_NAME
) -> None:
    """Sign in through the page: ask for a code, read it where it was delivered, type it in; on a
    first sign-in without a name, give `name` (first, last) when «Как вас зовут» asks."""
    if path:
        await page.goto(path)
    await page.get_by_label("Телефон или e-mail").fill(destination)
    await page.get_by_role("button", name="Получить код").click()
    await expect(page.get_by_label("Код из сообщения")).to_be_visible()
    inbox: Inbox = platform.mail if "@" in destination else platform.sms
    key = destination.lower() if "@" in destination else normalise_phone(destination)
    await page.get_by_label("Код из сообщения").fill(await inbox.code_for(key))
    await page.get_by_role("button", name="Войти", exact=True).click()
    await expect(page.get_by_label("Код из сообщения")).to_have_count(0)
    if await page.get_by_role("heading", name="Как вас зовут").count():
        await give_name(page, *name)


async def give_name(page: Page, first: str, last: str) -> None:
    """Answer the name step every way in shows to someone without a name (name_step.js)."""
    await page.get_by_label("Имя", exact=True).fill(first)
    await page.get_by_label("Фамилия", exact=True).fill(last)
    await page.get_by_role("button", name="Продолжить").click()
    await expect(page.get_by_role("heading", name="Как вас зовут")).to_have_count(0)


async def use_tokens(page: Page, tokens: dict[str, Any], path: str = "/") -> None:
    """Start the page as someone already signed in (tokens from the API), as after a sign-in."""
    await page.goto("/healthz")
    await page.evaluate(
        "value => localStorage.setItem('parta.session', value)",
        json.dumps({k: tokens[k] for k in ("access_token", "refresh_token", "user_id", "session_id")}),
    )
    await page.goto(path)


async def shoot(page: Page, name: str) -> None:
    """With PARTA_SCREENSHOTS=1: docs/screenshots/<name>-phone.png and -desktop.png."""
    if os.environ.get("PARTA_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or PHONE
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        # Toasts are transient (they go by themselves): not part of the screen being documented.
        await page.evaluate(
            "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);"
            " document.querySelectorAll('.notice-toast').forEach((toast) => toast.remove())"
        )
        await page.wait_for_timeout(50)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), animations="disabled")
    await page.set_viewport_size(original)


async def message_action(item: Locator, action: str) -> None:
    """Choose `action` («Ответить», «Изменить», «Удалить» …) from a message's «⋯» menu."""
    await item.get_by_role("button", name="Действия с сообщением").click()
    await item.locator(".msg-actions").get_by_role("button", name=action).click()


UNREADABLE = """() => {
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent;
    if (/\\bnull\\b|\\bundefined\\b|Без имени|Участник №|R-[A-Z]+-\\d/.test(text)) bad.push(text.trim());
  }
  return bad;
}"""


async def assert_readable(page: Page, where: str) -> None:
    """What people read has no «null», «undefined», «Без имени», «Участник № …» or rule code."""
    assert await page.evaluate(UNREADABLE) == [], where


async def open_chats(page: Page) -> None:
    """To the chats list: «Все чаты» from inside a chat (a phone's chat hides the tab bar), else «Чаты»."""
    back = page.get_by_role("link", name="Все чаты")
    if await back.count():
        await back.click()
    else:
        await page.get_by_role("link", name="Чаты", exact=True).click()
    await expect(page.get_by_role("heading", name="Чаты", exact=True)).to_be_visible()


@asynccontextmanager
async def dev_mailbox_platform(
    database_url: str, infra: Infra, public_url: str = ""
) -> AsyncIterator[Platform]:
    """Every service real, identity in development mode with no SMS or SMTP configured — as under
    `make run`: codes and notices land in the dev mailbox, which the sign-in screen shows."""
    previous = os.environ.get("PARTA_PUBLIC_URL")
    if public_url:
        os.environ["PARTA_PUBLIC_URL"] = public_url
    try:
        settings = identity_settings(database_url, infra.nats.url)
        async with running_platform(database_url, infra, settings, Inbox(), Inbox()) as running:
            yield running
    finally:
        if previous is None:
            os.environ.pop("PARTA_PUBLIC_URL", None)
        else:
            os.environ["PARTA_PUBLIC_URL"] = previous


async def sign_in_by_the_panel(
    page: Page, destination: str, name: tuple[str, str], path: str = "/", panel_shows: str = ""
) -> None:
    """Sign in as a person does under `make run`: ask for a code, read it in the dev mailbox panel
    on the page (the newest message with a code; `panel_shows` must be there too), type it in, give
    the name when asked."""
    if path:
        await page.goto(path)
    await page.get_by_label("Телефон или e-mail").fill(destination)
    await page.get_by_role("button", name="Получить код").click()
    panel = page.get_by_role("region", name="Почтовый ящик разработчика")
    letters = panel.locator("li .text")
    await expect(letters.first).to_be_visible()
    if panel_shows:
        await expect(panel).to_contain_text(panel_shows)
    code = ""
    for _ in range(50):
        for text in await letters.all_inner_texts():
            if match := CODE_PATTERN.search(text):
                code = match.group(1)
                break
        if code:
            break
        await panel.get_by_role("button", name="Обновить").click()
        await page.wait_for_timeout(100)
    assert code, f"no code in the dev mailbox panel for {destination}"
    await page.get_by_label("Код из сообщения").fill(code)
    await page.get_by_role("button", name="Войти", exact=True).click()
    await expect(page.get_by_label("Код из сообщения")).to_have_count(0)
    if await page.get_by_role("heading", name="Как вас зовут").count():
        await give_name(page, *name)


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's "serious" and "critical" accessibility violations on the page."""
    results = await AXE.run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
