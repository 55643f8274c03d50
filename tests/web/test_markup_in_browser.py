"""The small markup of messages (R-CHAT-3), rendered by the client's `markup.js` in Chromium: marks
become elements, links only http(s), and markup of any other kind stays the text it is."""

from __future__ import annotations

import pytest_asyncio
from playwright.async_api import Page

from tests.web.browser import Person

RENDER = """async (text) => {
  const { messageText } = await import('/static/markup.js');
  return messageText(text).innerHTML;
}"""


@pytest_asyncio.fixture
async def page(person: Person) -> Page:
    opened = await person()
    await opened.goto("/")
    return opened


async def rendered(page: Page, text: str) -> str:
    return str(await page.evaluate(RENDER, text))


async def test_r_chat_3_bold_italic_and_code_become_elements(page: Page) -> None:
    assert await rendered(page, "Контрольная *в среду*, _не забудьте_ `тетрадь`") == (
        "Контрольная <strong>в среду</strong>, <em>не забудьте</em> <code>тетрадь</code>"
    )
    # Marks inside words and arithmetic are not marks.
    assert await rendered(page, "2*3*4 и snake_case_name") == "2*3*4 и snake_case_name"


async def test_r_chat_3_only_http_links_are_links(page: Page) -> None:
    html = await rendered(page, "Журнал: https://school.example/journal?id=5. И javascript:alert(1)")
    assert html == (
        'Журнал: <a href="https://school.example/journal?id=5" target="_blank" '
        'rel="noopener noreferrer nofollow">https://school.example/journal?id=5</a>. И javascript:alert(1)'
    )


async def test_r_chat_3_html_in_a_message_stays_text(page: Page) -> None:
    text = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> *<b>жирно</b>*'
    html = await rendered(page, text)
    assert html == (
        '&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror="window.__pwned=1"&gt; '
        "<strong>&lt;b&gt;жирно&lt;/b&gt;</strong>"
    )
    assert await page.evaluate("typeof window.__pwned") == "undefined"


async def test_r_chat_3_doubled_marks_and_unclosed_marks_stay_text(page: Page) -> None:
    assert await rendered(page, "window.__pwned and __init__") == "window.__pwned and __init__"
    assert await rendered(page, "*не закрыто и _тоже") == "*не закрыто и _тоже"
