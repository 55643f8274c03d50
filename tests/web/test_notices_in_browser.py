"""Notices in real browsers (issue 11, decision 005), on a platform whose identity has no SMTP and no
SMS provider, so that — as under `make run` — every letter lands in the dev mailbox:
- the operator approves an application in the operator console, and the applicant, on the sign-in
  screen, finds the approval in the dev mailbox panel of the application's phone (R-ORG-2);
- a parent with the page open writes to the administrator; the administrator, in another browser,
  sees the new request's toast and answers; the parent sees «Ответ на ваше обращение» (R-PRIV-4)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Page, expect

from tests.support.http import bearer
from tests.support.platform import CODE_PATTERN, Infra, Platform
from tests.support.schools import add_operator, application
from tests.web.browser import DESKTOP, Person, dev_mailbox_platform, give_name, use_tokens

OPERATOR = "+79990001201"
ADMIN_PHONE = "+79120012010"
PARENT = "+79120012020"
SCHOOL = "МБОУ «Школа № 1201»"
PUBLIC_URL = "https://parta.example"


@pytest_asyncio.fixture(scope="module")
async def platform(database_url: str, infra: Infra) -> AsyncIterator[Platform]:
    """Every service real; identity in development mode with no sender configured: the dev mailbox."""
    async with dev_mailbox_platform(database_url, infra, public_url=PUBLIC_URL) as running:
        yield running


async def dev_code(platform: Platform, destination: str) -> str:
    """The newest code in the dev mailbox for `destination`."""
    box = (await platform.http.get("/api/v1/dev/mailbox", params={"destination": destination})).json()
    for message in box["messages"]:
        if match := CODE_PATTERN.search(message["text"]):
            return match.group(1)
    raise AssertionError(f"no code for {destination}: {box}")


async def api_sign_in(platform: Platform, destination: str) -> dict[str, str]:
    sent = await platform.http.post("/api/v1/auth/code", json={"destination": destination})
    assert sent.status_code == 202, sent.text
    tokens = await platform.http.post(
        "/api/v1/auth/token",
        json={"destination": destination, "code": await dev_code(platform, destination)},
    )
    assert tokens.status_code == 200, tokens.text
    return dict(tokens.json())


async def ui_sign_in(page: Page, platform: Platform, destination: str, path: str = "/") -> None:
    await page.goto(path)
    await page.get_by_label("Телефон или e-mail").fill(destination)
    await page.get_by_role("button", name="Получить код").click()
    await expect(page.get_by_role("heading", name="Почтовый ящик разработчика")).to_be_visible()
    await page.get_by_label("Код из сообщения").fill(await dev_code(platform, destination))
    await page.get_by_role("button", name="Войти", exact=True).click()
    await expect(page.get_by_label("Код из сообщения")).to_have_count(0)
    if await page.get_by_role("heading", name="Как вас зовут").count():
        await give_name(page, "Ирина", "Операторова")


async def listen_for_notices(page: Page) -> None:
    """Start notices.js on the page (app.js does it once the lead wires it: idempotent) and wait until
    the live connection is up, so that what is published from now on reaches this page."""
    await page.evaluate(
        """async () => {
            const notices = await import('/static/notices.js');
            const { live } = await import('/static/live.js');
            notices.startNotices();
            await new Promise((resolve) => live().onStatus((status) => status === 'live' && resolve()));
        }"""
    )


async def test_applicant_reads_the_approval_in_the_dev_mailbox_and_a_parent_sees_the_answer_toast(
    platform: Platform, person: Person
) -> None:
    await add_operator(platform, OPERATOR)
    applicant = await api_sign_in(platform, "secretary1201@web.example")
    submitted = await platform.http.post(
        "/api/v1/applications", headers=bearer(applicant), json=application(1201, ADMIN_PHONE)
    )
    assert submitted.status_code == 201, submitted.text

    # R-ORG-2: the operator approves in the console.
    operator = await person(DESKTOP)
    await ui_sign_in(operator, platform, OPERATOR)
    await operator.get_by_role("link", name="Оператор", exact=True).click()
    card = operator.get_by_role("article", name=SCHOOL)
    await card.get_by_role("button", name="Одобрить").click()
    await expect(operator.get_by_role("status")).to_contain_text("одобрена")

    # The applicant, signing in with the application's phone, finds the approval in the dev mailbox.
    admin = await person(DESKTOP)
    await admin.goto("/")
    await admin.get_by_label("Телефон или e-mail").fill(ADMIN_PHONE)
    await admin.get_by_role("button", name="Получить код").click()
    mailbox = admin.locator(".devmail")
    await expect(mailbox).to_contain_text(
        f"Парта: заявка организации «{SCHOOL}» одобрена. Войдите на {PUBLIC_URL} по номеру {ADMIN_PHONE}"
    )
    await admin.get_by_label("Код из сообщения").fill(await dev_code(platform, ADMIN_PHONE))
    await admin.get_by_role("button", name="Войти", exact=True).click()
    await give_name(admin, "Анна", "Петрова")
    await expect(admin.locator(".org-name")).to_have_text(SCHOOL)

    # A parent of 5А (joined by a request the administrator approved), with the support page open.
    admin_tokens = await admin.evaluate("() => JSON.parse(localStorage.getItem('parta.session'))")
    school_id = await school_of(platform, admin_tokens)
    parent = await person()
    await use_tokens(
        parent, await parent_of_5a(platform, school_id, admin_tokens), f"/org/{school_id}/support"
    )
    await expect(parent.get_by_role("heading", name="Поддержка")).to_be_visible()
    await listen_for_notices(parent)
    await admin.goto(f"/admin/{school_id}/support")
    await expect(admin.get_by_label("Показать")).to_be_visible()
    await listen_for_notices(admin)

    # R-PRIV-4: the parent writes; the administrator's open page is told at once.
    await parent.get_by_label("Тема").fill("Справка для бассейна")
    await parent.get_by_label("Что случилось").fill("Где взять справку для бассейна?")
    await parent.get_by_role("button", name="Отправить обращение").click()
    await expect(
        admin.get_by_role("status").filter(has_text="Новое обращение: «Справка для бассейна»")
    ).to_be_visible()

    # The administrator answers in their browser; the parent's open page shows the toast.
    await admin.get_by_label("Показать").select_option("open")
    answer_form = admin.get_by_role("form", name="Ответ на обращение «Справка для бассейна»")
    await answer_form.get_by_label("Ответ").fill("Справку выдаёт медсестра, кабинет 12.")
    await answer_form.get_by_role("button", name="Сохранить").click()
    await expect(parent.get_by_role("status").filter(has_text="Ответ на ваше обращение")).to_contain_text(
        "Ответ на ваше обращение «Справка для бассейна»"
    )
    # Nothing went to the parent's phone: the page was open.
    box = (await platform.http.get("/api/v1/dev/mailbox", params={"destination": PARENT})).json()
    assert [m["text"] for m in box["messages"] if "обращение" in m["text"]] == []


async def school_of(platform: Platform, admin: dict[str, str]) -> str:
    orgs = (await platform.http.get("/api/v1/orgs", headers=bearer(admin))).json()["organisations"]
    return str(orgs[0]["id"])


async def parent_of_5a(platform: Platform, school_id: str, admin_tokens: dict[str, str]) -> dict[str, str]:
    admin = bearer(admin_tokens)
    klass = await platform.http.post(
        f"/api/v1/orgs/{school_id}/classes", headers=admin, json={"name": "5А", "academic_year": "2026/2027"}
    )
    assert klass.status_code == 201, klass.text
    code = (await platform.http.get("/api/v1/orgs", headers=admin)).json()["organisations"][0]["join_code"]
    parent = await api_sign_in(platform, PARENT)
    requested = await platform.http.post(
        "/api/v1/join-requests",
        headers=bearer(parent),
        json={"join_code": code, "role": "parent", "class_id": klass.json()["id"], "message": ""},
    )
    assert requested.status_code == 201, requested.text
    approved = await platform.http.post(
        f"/api/v1/orgs/{school_id}/join-requests/{requested.json()['id']}:approve", headers=admin
    )
    assert approved.status_code == 200, approved.text
    return parent


async def test_notices_js_shows_a_toast_counts_per_organisation_and_kind_and_fires_parta_notice(
    person: Person,
) -> None:
    page = await person()
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Вход в Парту")).to_be_visible()
    result = await page.evaluate(
        """async () => {
            const notices = await import('/static/notices.js');
            const { live } = await import('/static/live.js');
            const seen = [];
            window.addEventListener('parta:notice', (event) => seen.push(event.detail.count));
            notices.startNotices();
            notices.startNotices();  // a second start does not double anything
            const frame = { type: 'notice', kind: 'support_request.created', organisation_id: 'o1',
                            id: 'r1', text: 'Новое обращение: «Проектор»' };
            live().receive(frame);
            live().receive({ ...frame, id: 'r2' });
            live().receive({ ...frame, organisation_id: 'o2' });
            live().receive({ type: 'pong' });
            const counted = [notices.noticeCount('o1', 'support_request.created'),
                             notices.noticeCount('o2', 'support_request.created')];
            notices.clearNotices('o1', 'support_request.created');
            return { seen, counted, cleared: notices.noticeCount('o1', 'support_request.created') };
        }"""
    )
    assert result == {"seen": [1, 2, 1], "counted": [2, 1], "cleared": 0}
    toast = page.get_by_role("status").filter(has_text="Новое обращение: «Проектор»")
    await expect(toast.locator(".notice-toast")).to_have_count(3)
    await toast.get_by_role("button", name="Закрыть уведомление").first.click()
    await expect(toast.locator(".notice-toast")).to_have_count(2)
