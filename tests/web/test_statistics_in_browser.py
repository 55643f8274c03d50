"""Weekly statistics in real browsers (R-STAT-1): the administrator opens «Статистика» and sees the
messages chart with its table counting this week's messages; the operator sees the organisations'
statistics. axe-core on both screens, on a phone and on a desktop."""

from __future__ import annotations

from playwright.async_api import expect

from tests.support.chats import join, post, system_channel
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import class_school, operator_tokens
from tests.support.waiting import until
from tests.web.browser import DESKTOP, Person, serious_violations, use_tokens


async def test_r_stat_1_administrator_sees_messages_per_week_as_a_chart_and_a_table(
    platform: Platform, person: Person
) -> None:
    operator = await operator_tokens(platform, "+79990000661")
    school = await class_school(platform, operator, 661, "+79120066161", [])
    admin = school.school.admin
    channel = await system_channel(platform, school.id, admin, "school")
    await join(platform, channel, admin)
    for text in ("Собрание в пятницу", "Расписание на неделю", "Каникулы"):
        ok(await post(platform, channel["id"], admin, text), 201)

    async def counted() -> bool:
        report = ok(await platform.http.get(f"/api/v1/orgs/{school.id}/statistics", headers=bearer(admin)))
        return bool(report["weeks"][-1]["messages"] == 3)

    await until(counted, what="three messages counted")

    for viewport in (None, DESKTOP):
        page = await (person(viewport) if viewport else person())
        await use_tokens(page, admin, f"/admin/{school.id}/statistics")
        await expect(page.get_by_role("heading", name="Статистика по неделям")).to_be_visible()
        await expect(page.get_by_role("img", name="Сообщения по неделям")).to_be_visible()
        table = page.get_by_role("table", name="Сообщения по неделям")
        this_week = table.get_by_role("row").last
        await expect(this_week.get_by_role("cell")).to_have_text("3")
        roles = page.get_by_role("table", name="Участники по ролям", exact=False)
        await expect(roles.get_by_role("row", name="администратор")).to_contain_text("1")
        assert await serious_violations(page) == [], "statistics"

    await use_tokens(page, operator, "/operator/statistics")
    await expect(page.get_by_role("heading", name="Статистика организаций")).to_be_visible()
    organisations = page.get_by_role("table", name="Показатели организаций", exact=False)
    await expect(organisations.get_by_role("row", name="МБОУ «Школа № 661»", exact=False)).to_be_visible()
    assert await serious_violations(page) == [], "operator statistics"
