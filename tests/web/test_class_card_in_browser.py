"""The class card in the administrator's «Структура» (issue 11), set up only through the browser: an
application through «Подключить организацию», the operator approves it, the administrator creates
5А and a staff-room link, a teacher joins by it. The administrator appoints the (not yet verified)
teacher class teacher and maths teacher of 5А from the card, which then names both (R-ROLE-4); the
teacher, on a phone, creates the class chat and the parents' chat from «Новый чат» (R-CHAT-1: directory's
event reached messaging). A support request shows as a count on «Обращения» (R-PRIV-4). axe-core on the
card at desktop and phone sizes."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.support.platform import Platform
from tests.support.schools import add_operator
from tests.web.browser import DESKTOP, PHONE, Person, open_chats, serious_violations, shoot, sign_in
from tests.web.ui_steps import send_the_application

OPERATOR = "+79990001101"
ADMIN_PHONE = "+79120110011"
TEACHER = "smirnova@school1101.example"
SCHOOL = "МБОУ «Школа № 1101»"
NARROW = {"width": 375, "height": 667}


async def apply_for_the_school(page: Page, platform: Platform) -> None:
    """R-ORG-2: the application with its appointing order, sent from the form."""
    await sign_in(page, platform, "secretary1101@school1101.example")
    await send_the_application(page, 1101, ADMIN_PHONE)


async def open_card(admin: Page, class_name: str) -> None:
    await admin.get_by_role("link", name="Структура").click()
    await admin.get_by_role("link", name=class_name, exact=True).click()
    await expect(admin.get_by_role("heading", name=f"Класс {class_name}")).to_be_visible()


async def test_administrator_appoints_class_teacher_from_the_card_and_teacher_creates_the_class_chat(
    platform: Platform, person: Person
) -> None:
    await add_operator(platform, OPERATOR)  # operator staff are configured, not applied for
    applicant = await person(DESKTOP)
    await apply_for_the_school(applicant, platform)

    operator = await person(DESKTOP)
    await sign_in(operator, platform, OPERATOR)
    await operator.get_by_role("link", name="Оператор", exact=True).click()
    await operator.get_by_role("article", name=SCHOOL).get_by_role("button", name="Одобрить").click()
    await expect(operator.get_by_role("status")).to_contain_text("одобрена")

    # R-ORG-3, R-ORG-6: the administrator builds 5А.
    admin = await person(DESKTOP)
    await sign_in(admin, platform, ADMIN_PHONE)
    await admin.get_by_role("link", name="Управление").click()
    # «Реквизиты»: the time zone is chosen by a city in Russian, never shown as an IANA id.
    zone = admin.get_by_label("Часовой пояс")
    await expect(zone.locator("option:checked")).to_have_text(re.compile(r"^[А-Яа-яё -]+ \(UTC\+\d+\)$"))
    await zone.select_option(label="Екатеринбург (UTC+5)")
    await admin.get_by_role("button", name="Сохранить").click()
    await expect(admin.get_by_role("status")).to_contain_text("сохранены")
    await expect(zone.locator("option:checked")).to_have_text("Екатеринбург (UTC+5)")
    # Quiet hours name the zone by its city too (messaging learns of the change by an event).
    quiet_zone = admin.get_by_text("По часовому поясу организации:")
    await expect(quiet_zone).to_contain_text(re.compile(r"\(UTC\+\d+\)"))
    assert "Asia/" not in await admin.locator("main").inner_text()
    await admin.get_by_role("link", name="Структура").click()
    await admin.get_by_label("Название класса").fill("5А")
    await admin.get_by_role("button", name="Создать класс").click()
    await expect(admin.get_by_role("status")).to_contain_text("Класс 5А создан")
    await expect(admin.locator(".rows")).to_contain_text("классный руководитель не назначен")

    # No staff yet: the card says where teachers come from.
    await open_card(admin, "5А")
    no_staff = admin.get_by_text("Сначала пригласите учителей — вкладка «Приглашения»")
    await expect(no_staff.first).to_be_visible()
    await expect(admin.get_by_text("В классе 0 учеников, 0 родителей")).to_be_visible()

    # R-INV-1: a teacher's link to the staff room; the teacher joins on a phone and gives a name.
    await admin.get_by_role("link", name="Приглашения").first.click()
    await admin.get_by_label("Класс или учительская").select_option(label="Учительская (сотрудники)")
    await admin.get_by_label("Роль", exact=True).select_option("teacher")
    await admin.get_by_role("button", name="Создать ссылку").click()
    await expect(admin.locator("#created-link")).to_have_value(re.compile(r"/invite/"))
    link = await admin.locator("#created-link").input_value()

    teacher = await person(PHONE)
    await teacher.goto(link)
    await sign_in(teacher, platform, TEACHER, path="", name=("Ольга", "Смирнова"))
    await teacher.get_by_role("button", name="Вступить").click()
    await expect(teacher.locator(".org-name")).to_have_text(SCHOOL)

    # R-ROLE-4: the card offers the teacher by name, marked as not verified yet.
    await open_card(admin, "5А")
    await expect(admin.get_by_text("Классный руководитель пока не назначен.")).to_be_visible()
    choice = admin.get_by_label("Учитель", exact=True)
    await expect(choice.locator("option")).to_have_text(["Ольга Смирнова (статус не подтверждён)"])
    assert await serious_violations(admin) == [], "class card, desktop, before the appointment"
    await choice.select_option(label="Ольга Смирнова (статус не подтверждён)")
    await admin.get_by_role("button", name="Назначить", exact=True).click()
    await expect(admin.get_by_role("status")).to_have_text("Классный руководитель 5А: Ольга Смирнова")
    await expect(admin.locator(".current")).to_have_text("Сейчас: Ольга Смирнова")

    # A subject name the server refuses: the error is shown under the subject field.
    subject_row = admin.locator(".field", has=admin.get_by_label("Предмет", exact=True))
    await admin.get_by_label("Предмет", exact=True).fill("  М  ")
    await admin.get_by_role("button", name="Назначить учителя").click()
    await expect(subject_row.get_by_role("alert")).to_contain_text("Название предмета")
    await admin.get_by_label("Предмет", exact=True).fill("Математика")
    await admin.get_by_label("Учитель предмета").select_option(label="Ольга Смирнова (статус не подтверждён)")
    await admin.get_by_role("button", name="Назначить учителя").click()
    await expect(admin.get_by_role("status")).to_have_text("Математика в 5А: Ольга Смирнова")
    await expect(admin.locator(".subjects")).to_contain_text("Математика")
    await expect(admin.locator(".subjects")).to_contain_text("Ольга Смирнова")
    assert await serious_violations(admin) == [], "class card, desktop, after the appointments"
    await shoot(admin, "admin-class-card")
    for size in (PHONE, NARROW):
        await admin.set_viewport_size(size)
        assert await serious_violations(admin) == [], f"class card at {size['width']} px"
        overflow = await admin.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the card is wider than {size['width']} px"
    await admin.set_viewport_size(DESKTOP)

    # The list of classes names the class teacher; the invite buttons lead to «Приглашения».
    await admin.get_by_role("link", name="← Все классы").click()
    await expect(admin.locator(".rows")).to_contain_text("классный руководитель: Ольга Смирнова")
    await open_card(admin, "5А")
    await admin.get_by_role("link", name="Пригласить родителей").click()
    await expect(admin.get_by_role("heading", name="Новая ссылка-приглашение")).to_be_visible()

    # Other tabs name the teacher too: «Участники» and the choices in «Движение».
    await admin.get_by_role("link", name="Участники").click()
    await expect(admin.locator("tbody tr").filter(has_text="учитель")).to_contain_text("Ольга Смирнова")
    await admin.get_by_role("link", name="Движение").click()
    await expect(admin.get_by_label("Кто выбывает").locator("option")).to_have_text(
        ["Ольга Смирнова — классный руководитель, учитель"]
    )

    # R-CHAT-1: the class teacher creates the class chat and the parents' chat from «Новый чат».
    for kind, heading in (("class", "5А: класс"), ("parents", "5А: родители")):
        await open_chats(teacher)
        await teacher.get_by_role("button", name="Новый чат").click()
        await teacher.get_by_label("Вид чата").select_option(kind)
        await teacher.get_by_label("Класс", exact=True).select_option(label="5А")
        await teacher.get_by_role("button", name="Создать чат").click()
        await expect(teacher.get_by_role("heading", name=heading)).to_be_visible()

    # R-PRIV-4: a support request to the administrator is counted on «Обращения».
    await open_chats(teacher)
    await teacher.get_by_role("link", name="Школа").click()
    await teacher.get_by_role("link", name="Написать в поддержку").click()
    await teacher.get_by_label("Тема").fill("Не вижу расписание")
    await teacher.get_by_label("Что случилось").fill("Где смотреть расписание 5А?")
    await teacher.get_by_role("button", name="Отправить обращение").click()
    await expect(teacher.get_by_role("status")).to_be_visible()
    await admin.reload()
    support_tab = admin.locator("a[data-tab=support]")
    await expect(support_tab.locator(".tab-count")).to_have_text("1")
    await expect(support_tab).to_have_accessible_name(re.compile(r"Обращения\s*— 1 новое"))
    await expect(admin.locator("a[data-tab=requests] .tab-count")).to_have_count(0)

    # R-INV-3: someone asks to join by the code from «Реквизиты»: «Заявки» counts it until decided.
    await admin.get_by_role("link", name="Реквизиты").click()
    join_code = await admin.locator(".code").inner_text()
    newcomer = await person(PHONE)
    await sign_in(
        newcomer, platform, "newcomer1101@school1101.example", path="/join", name=("Иван", "Новиков")
    )
    await newcomer.get_by_label("Код организации").fill(join_code)
    await newcomer.get_by_role("button", name="Найти").click()
    ask = newcomer.get_by_role("form", name="Заявка на вступление")
    await ask.get_by_label("Я вступаю как").select_option("teacher")
    await ask.get_by_role("button", name="Отправить заявку").click()
    await expect(newcomer.get_by_role("status")).to_contain_text("Заявка отправлена")
    await admin.reload()
    requests_tab = admin.locator("a[data-tab=requests]")
    await expect(requests_tab.locator(".tab-count")).to_have_text("1")
    await expect(requests_tab).to_have_accessible_name(re.compile(r"Заявки\s*— 1 новая"))
    await requests_tab.click()
    await (
        admin.get_by_role("listitem")
        .filter(has_text="Иван Новиков")
        .get_by_role("button", name="Принять")
        .click()
    )
    await expect(admin.get_by_role("status")).to_contain_text("Заявка принята")
    await expect(requests_tab.locator(".tab-count")).to_have_count(0)
    await expect(requests_tab).to_have_accessible_name("Заявки")
