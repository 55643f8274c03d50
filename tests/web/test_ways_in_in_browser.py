"""Ways in, in a real browser only (issue 11: names at the door, the join code with the class): a
student on a 390×844 phone joins by the organisation's join code choosing 5А and gives a name, the
administrator (1280×800) approves in «Заявки»; a parent opens a parents' link the administrator made
in «Приглашения», gives a name, picks the child among 5А's students and says «мама»; the members
list then reads «Ольга Смирнова, мама Миши Смирнова» (R-INV-3, R-INV-5, R-ROLE-6). No screen shows
«null», «undefined», «Без имени» or a rule code."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import add_operator, application
from tests.web.browser import DESKTOP, Person, assert_readable, serious_violations, shoot, sign_in

OPERATOR = "+79990000611"
ADMIN_PHONE = "+79120060611"
STUDENT = "misha.smirnov@ways.example"
PARENT = "+79160061100"
SCHOOL = "МБОУ «Школа № 611»"


async def clean(page: Page, where: str) -> None:
    """What people read has no «null», «undefined», «Без имени» or rule code."""
    await assert_readable(page, where)


async def test_a_student_joins_by_the_join_code_and_a_parent_by_a_link_both_with_names(
    platform: Platform, person: Person
) -> None:
    # The school is approved by the operator in the console (as in test_school_in_browser).
    await add_operator(platform, OPERATOR)
    applicant = await platform.sign_in("secretary611@ways.example")
    submitted = await platform.http.post(
        "/api/v1/applications", headers=bearer(applicant), json=application(611, ADMIN_PHONE)
    )
    assert submitted.status_code == 201, submitted.text
    operator = await person(DESKTOP)
    await sign_in(operator, platform, OPERATOR, name=("Ирина", "Операторова"))
    await operator.get_by_role("link", name="Оператор", exact=True).click()
    await operator.get_by_role("article", name=SCHOOL).get_by_role("button", name="Одобрить").click()
    await expect(operator.get_by_role("status")).to_contain_text("одобрена")

    # The administrator signs in for the first time: the name comes first, then the school.
    admin = await person(DESKTOP)
    await sign_in(admin, platform, ADMIN_PHONE, name=("Анна", "Петрова"))
    await expect(admin.locator(".org-name")).to_have_text(SCHOOL)
    await expect(admin.locator("#who")).to_have_text("Анна Петрова")  # the header names, not a phone
    await admin.get_by_role("link", name="Управление").click()
    join_code = (await admin.locator("strong.code").inner_text()).strip()
    await admin.get_by_role("link", name="Структура").click()
    await admin.get_by_label("Название класса").fill("5А")
    await admin.get_by_role("button", name="Создать класс").click()
    await expect(admin.get_by_role("status")).to_contain_text("Класс 5А создан")
    await clean(admin, "the administrator's structure")

    # A student on a phone: the name at the door, then the code, «Найти», the class.
    student = await person()
    await sign_in(student, platform, STUDENT, name=("Миша", "Смирнов"))
    await expect(student.locator("#who")).to_have_text("Миша Смирнов")
    await student.goto("/join")
    await student.get_by_label("Код организации").fill("NOPE0000")
    await student.get_by_role("button", name="Найти").click()
    code_field = student.locator(".field", has=student.get_by_label("Код организации"))
    await expect(code_field.get_by_role("alert")).to_contain_text("не найдена")  # next to the field
    await student.get_by_label("Код организации").fill(join_code.lower())
    await student.get_by_role("button", name="Найти").click()
    await expect(student.get_by_role("heading", name=SCHOOL)).to_be_visible()
    ask = student.get_by_role("form", name="Заявка на вступление")
    await ask.get_by_label("Я вступаю как").select_option("student")
    await ask.get_by_label("Класс").select_option(label="5А")
    await clean(student, "the join request form")
    assert await serious_violations(student) == [], "the join request form"
    await shoot(student, "join-by-code")
    await ask.get_by_role("button", name="Отправить заявку").click()
    await expect(student.get_by_role("status")).to_contain_text("Заявка отправлена")

    # The administrator approves in «Заявки»: the request names the student.
    await admin.get_by_role("link", name="Заявки").click()
    request = admin.get_by_role("listitem").filter(has_text="Миша Смирнов")
    await expect(request).to_be_visible()
    await clean(admin, "the join requests")
    await request.get_by_role("button", name="Принять").click()
    await expect(admin.get_by_role("listitem").filter(has_text="Миша Смирнов")).to_have_count(0)

    # A parents' link for 5А, made in «Приглашения».
    await admin.get_by_role("link", name="Приглашения").click()
    class_select = admin.get_by_label("Класс или учительская")
    value = await class_select.locator("option", has_text="5А").first.get_attribute("value")
    await class_select.select_option(value)
    await admin.get_by_label("Роль", exact=True).select_option("parent")
    await admin.get_by_role("button", name="Создать ссылку").click()
    link_box = admin.locator("#created-link")
    await expect(link_box).to_have_value(re.compile(r"/invite/"))
    link = await link_box.input_value()

    # The parent on a phone: the link, the code, the name, the child and «мама».
    parent = await person()
    await parent.goto(link)
    await expect(parent.get_by_role("heading", name="Приглашение в организацию")).to_be_visible()
    await sign_in(parent, platform, PARENT, path="", name=("Ольга", "Смирнова"))
    # The child is picked among 5А's students (names only); «Нет в списке» would let her type it.
    child = parent.get_by_label("Ваш ребёнок", exact=True)
    await expect(child.locator("option", has_text="Миша Смирнов")).to_have_count(1)
    await expect(parent.get_by_label("Имя ребёнка")).to_be_hidden()
    await child.select_option(label="Миша Смирнов")
    await parent.get_by_label("Кем вы приходитесь ребёнку").select_option("mother")
    await clean(parent, "the parent's invite")
    assert await serious_violations(parent) == [], "the parent's invite"
    await shoot(parent, "invite-parent")
    await parent.get_by_role("button", name="Вступить").click()
    await expect(parent.get_by_role("heading", name=SCHOOL)).to_be_visible()
    await expect(parent.locator("#who")).to_have_text("Ольга Смирнова")
    await clean(parent, "the parent's organisation page")

    # Others see who she is to the child.
    await admin.get_by_role("link", name="Участники").click()
    rows = admin.locator("tr", has_text="Ольга Смирнова, мама Миши Смирнова")
    for _ in range(50):
        if await rows.count():
            break
        await admin.get_by_role("button", name="Обновить").click()
        await admin.wait_for_timeout(100)
    await expect(rows).to_contain_text("родитель")
    await expect(admin.locator("tr", has_text="Миша Смирнов").first).to_contain_text("ученик")
    await clean(admin, "the members list")
    await shoot(admin, "admin-members-names")
