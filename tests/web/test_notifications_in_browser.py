"""Notification settings in real browsers: the profile shows «Уведомления» with the push switch and
the e-mail digest toggle, which saves (and the saved state is what the API says); the administrator's
«Реквизиты» tab has the quiet hours, which save too. Push itself is tested in
tests/messaging/test_notifications.py (headless Chromium has no push service). axe-core on both."""

from __future__ import annotations

from playwright.async_api import expect

from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import class_school, operator_tokens
from tests.web.browser import DESKTOP, Person, serious_violations, use_tokens


async def test_the_digest_toggle_in_the_profile_saves(platform: Platform, person: Person) -> None:
    tokens = await platform.sign_in("digest-reader@family.example")
    page = await person()
    await use_tokens(page, tokens, "/profile")
    await expect(page.get_by_role("heading", name="Уведомления", exact=True)).to_be_visible()
    await expect(page.get_by_role("heading", name="Уведомления в браузере")).to_be_visible()
    await expect(page.get_by_role("button", name="Включить")).to_be_visible()
    toggle = page.get_by_label("Сводка непрочитанного на почту")
    await expect(toggle).not_to_be_checked()
    await toggle.check()
    await expect(
        page.get_by_text("Сводка включена: приходит на digest-reader@family.example")
    ).to_be_visible()
    saved = ok(await platform.http.get("/api/v1/me/notifications", headers=bearer(tokens)))
    assert (saved["digest"], saved["email"]) == (True, "digest-reader@family.example")
    assert await serious_violations(page) == [], "profile with notifications"

    await page.reload()
    await expect(page.get_by_label("Сводка непрочитанного на почту")).to_be_checked()
    await page.get_by_label("Сводка непрочитанного на почту").uncheck()
    await expect(page.get_by_text("Сводка включена")).to_have_count(0)
    saved = ok(await platform.http.get("/api/v1/me/notifications", headers=bearer(tokens)))
    assert saved["digest"] is False


async def test_the_service_worker_registers_for_the_whole_client_under_the_csp(
    platform: Platform, person: Person
) -> None:
    worker = await platform.http.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert "worker-src 'self'" in worker.headers["content-security-policy"]
    page = await person()
    await page.goto("/")
    scope = await page.evaluate(
        "navigator.serviceWorker.register('/sw.js', {scope: '/'}).then((r) => r.scope)"
    )
    assert scope == f"{page.url.split('/', 3)[0]}//{page.url.split('/', 3)[2]}/"
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")


async def test_the_administrator_sets_quiet_hours_in_the_console(platform: Platform, person: Person) -> None:
    operator = await operator_tokens(platform, "+79990000962")
    school = await class_school(platform, operator, 962, "+79120096298", [])
    admin = school.school.admin
    page = await person(DESKTOP)
    await use_tokens(page, admin, f"/admin/{school.id}/details")
    await expect(page.get_by_role("heading", name="Тихие часы")).to_be_visible()
    await expect(page.get_by_label("Начало")).to_have_value("21:00")
    await page.get_by_label("Начало").fill("22:30")
    await page.get_by_label("Конец").fill("07:15")
    quiet = page.get_by_role("form", name="Тихие часы")
    await quiet.get_by_role("button", name="Применить").click()
    await expect(page.get_by_text("Тихие часы сохранены")).to_be_visible()
    hours = ok(await platform.http.get(f"/api/v1/orgs/{school.id}/quiet-hours", headers=bearer(admin)))
    assert (hours["start"], hours["end"], hours["enabled"]) == ("22:30", "07:15", True)
    assert await serious_violations(page) == [], "details with quiet hours"
