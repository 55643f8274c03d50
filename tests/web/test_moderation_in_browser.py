"""Moderation and movement in real browsers (issue 6's school story, its end): the class teacher who
created the class chat records four violations of a student in «Модерация чата» (R-MOD-2); a block
after three is refused and the page shows R-MOD-3; after the fourth a 7-day block is made and its end
shown (R-MOD-3); the student sees the reminders and a closed composer saying until when; the
administrator transfers the student to 5Б in «Движение» (R-MOVE-1) and the old class chat is gone
from the student's list. Support requests (R-PRIV-4): a member writes to the administrator and to the
operator, each answers in their console, the member reads the answers. axe-core on these screens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest_asyncio
from playwright.async_api import Page, expect

from tests.support.chats import create_chat, join, post, synced
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.web.browser import DESKTOP, Person, give_name, serious_violations, shoot, use_tokens

Tokens = dict[str, Any]


@dataclass
class Story:
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А, creator (so moderator, R-MOD-1) of the class chat
    student: Tokens  # of 5А, a member of the class chat
    chat: dict[str, Any]
    operator: Tokens

    @property
    def id(self) -> str:
        return self.school.id


async def named(platform: Platform, tokens: Tokens, name: str) -> None:
    ok(await platform.http.patch("/api/v1/me", headers=bearer(tokens), json={"display_name": name}))


@pytest_asyncio.fixture(scope="module")
async def story(platform: Platform) -> Story:
    operator = await operator_tokens(platform, "+79990000643")
    school = await class_school(platform, operator, 643, "+79120064364", ["5А", "5Б"])
    teacher = await school.member("teacher", who="classteacher")
    response = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{school.classes['5А']}/class-teacher",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert response.status_code == 200, response.text
    student = await school.member("student", "5А")
    await named(platform, teacher, "Анна Сергеевна")
    await named(platform, student, "Петя Васильев")
    five_a = uuid.UUID(school.classes["5А"])
    await synced(platform, school.id, teacher["user_id"], lambda p: five_a in p.class_teacher_of)
    await synced(platform, school.id, student["user_id"], lambda p: p.student_class == five_a)
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=school.classes["5А"])
    await join(platform, chat, student)
    return Story(school, teacher, student, chat, operator)


async def record_violation(page: Page, student_id: str, rule: str, comment: str, count: int) -> None:
    """Record one through the form; the screen is redrawn with `count` violations listed."""
    form = page.get_by_role("group", name="Записать нарушение")
    await form.get_by_label("Участник").select_option(student_id)
    await form.get_by_label("Нарушенное правило").select_option(rule)
    await form.get_by_label("Комментарий").fill(comment)
    await form.get_by_role("button", name="Записать нарушение").click()
    await expect(page.get_by_role("status")).to_have_text("Нарушение записано")
    listed = page.get_by_role("list", name="Записанные нарушения").get_by_role("listitem")
    await expect(listed).to_have_count(count)


async def try_block(page: Page, student_id: str, days: int, reason: str) -> None:
    form = page.get_by_role("group", name="Заблокировать участника")
    await form.get_by_label("Участник").select_option(student_id)
    await form.get_by_label("Срок, дней").fill(str(days))
    await form.get_by_label("Причина").fill(reason)
    await form.get_by_role("button", name="Заблокировать").click()


async def test_moderator_records_four_violations_blocks_for_7_days_and_the_transfer_drops_the_chat(
    platform: Platform, story: Story, person: Person
) -> None:
    student_id = story.student["user_id"]
    chat_url = f"/chats/{story.chat['id']}"

    rude = ok(await post(platform, story.chat["id"], story.student, "Грубое сообщение"), 201)

    # R-MOD-1: the class teacher created the chat, so they moderate it: they remove a message
    # from the chat itself, citing a rule (R-MOD-5); the tombstone stays in its place.
    teacher = await person()
    await use_tokens(teacher, story.teacher, chat_url)
    rude_item = teacher.locator(f".history > li[data-seq='{rude['seq']}']")
    await rude_item.get_by_role("button", name="Действия с сообщением").click()
    await teacher.get_by_role("button", name=f"Удалить как модератор сообщение № {rude['seq']}").click()
    removal = teacher.get_by_role("group", name=f"Удалить сообщение № {rude['seq']}")
    await removal.get_by_label("Нарушенное правило").select_option("2")
    await removal.get_by_label("Причина").fill("Оскорбление")
    await removal.get_by_role("button", name="Удалить сообщение").click()
    await expect(teacher.locator(f".history > li[data-seq='{rude['seq']}']")).to_contain_text(
        "Сообщение удалено"
    )
    assert (
        ok(
            await platform.http.get(
                f"/api/v1/chats/{story.chat['id']}/messages", headers=bearer(story.student)
            )
        )["messages"][-1]["delete_rule"]
        == 2
    )
    await teacher.get_by_role("button", name="О чате").click()
    await teacher.get_by_role("link", name="Модерация чата").click()
    await expect(teacher.get_by_role("heading", name="Модерация: 5А: класс")).to_be_visible()
    rules = teacher.get_by_role("group", name="Записать нарушение").get_by_label("Нарушенное правило")
    await expect(rules.locator("option")).to_have_count(len(story.chat["rules"]))
    await expect(rules.locator("option").nth(1)).to_have_text(f"2. {story.chat['rules'][1]}")

    # R-MOD-2: three violations citing rule 2; the list names who, the rule and its text.
    for number in range(1, 4):
        await record_violation(teacher, student_id, "2", f"Грубость № {number}", number)
    violations = teacher.get_by_role("list", name="Записанные нарушения").get_by_role("listitem")
    await expect(violations).to_have_count(3)
    await expect(violations.first).to_contain_text("Петя Васильев")
    await expect(violations.first).to_contain_text(f"Правило 2: {story.chat['rules'][1]}")

    # R-MOD-3: three are not "more than three": the server refuses and the page says why.
    await try_block(teacher, student_id, 7, "Три нарушения")
    refusal = (
        teacher.get_by_role("group", name="Заблокировать участника").locator("xpath=..").get_by_role("alert")
    )
    await expect(refusal).to_contain_text("больше трёх нарушений")
    await expect(refusal).to_have_attribute("data-rule", "R-MOD-3")  # for support; people read the reason
    await expect(teacher.get_by_role("list", name="Действующие блокировки")).to_have_count(0)

    # The fourth violation, then a block for 7 days: its end date is shown.
    await record_violation(teacher, student_id, "2", "Грубость № 4", 4)
    await try_block(teacher, student_id, 7, "Четыре нарушения правила 2")
    await expect(teacher.get_by_role("status")).to_contain_text("Участник заблокирован до")
    blocks = teacher.get_by_role("list", name="Действующие блокировки").get_by_role("listitem")
    await expect(blocks).to_have_count(1)
    await expect(blocks.first).to_contain_text("Петя Васильев")
    end = await blocks.first.locator("time").get_attribute("datetime")
    assert end is not None
    expected = (datetime.now().astimezone() + timedelta(days=7)).date()
    assert abs((datetime.fromisoformat(end.replace("Z", "+00:00")).date() - expected).days) <= 1
    await expect(blocks.first.get_by_role("button", name="Снять досрочно")).to_be_visible()
    # R-MOD-5: the audit log, newest first: the block on top, then the four violations.
    audit = teacher.get_by_role("list", name="Журнал модерации").get_by_role("listitem")
    await expect(audit).to_have_count(6)
    await expect(audit.first).to_contain_text("Заблокирован: Петя Васильев")
    await expect(audit.nth(1)).to_contain_text("Записано нарушение")
    await expect(audit.last).to_contain_text("Удалено сообщение: Петя Васильев")
    assert await serious_violations(teacher) == []
    await shoot(teacher, "moderation")
    await teacher.set_viewport_size(DESKTOP)
    assert await serious_violations(teacher) == []

    # The student: the reminders of R-MOD-2 and a closed composer saying until when (R-MOD-3).
    student = await person()
    await use_tokens(student, story.student, chat_url)
    await expect(student.get_by_text("Напоминание модератора: нарушений правил чата — 4")).to_be_visible()
    note = student.locator(".blocked-note")
    await expect(note).to_contain_text("Вы заблокированы в этом чате до")
    await expect(note.locator("time")).to_have_attribute("datetime", end)
    await expect(student.get_by_label("Сообщение", exact=True)).to_be_disabled()
    await expect(student.get_by_role("link", name="Модерация чата")).to_have_count(0)
    assert await serious_violations(student) == []
    await shoot(student, "chat-blocked")

    # R-MOD-4: the moderator lifts the block early, saying why; the log says so, the student writes.
    await blocks.first.get_by_role("button", name="Снять досрочно").click()
    lift = teacher.get_by_role("group", name="Снять блокировку досрочно")
    await expect(lift.get_by_label("Почему блокировка снимается досрочно")).to_be_focused()
    await lift.get_by_label("Почему блокировка снимается досрочно").fill("Извинился, никто не возражает")
    await lift.get_by_role("button", name="Снять блокировку").click()
    await expect(teacher.get_by_role("status")).to_have_text("Блокировка снята")
    await expect(teacher.get_by_text("Действующих блокировок нет.")).to_be_visible()
    await expect(audit.first).to_contain_text("Блокировка снята досрочно: Петя Васильев")
    await student.reload()
    # The reminders and the block note are drawn together: once the reminders show, no note.
    await expect(student.get_by_text("Напоминание модератора: нарушений правил чата — 4")).to_be_visible()
    await expect(student.get_by_label("Сообщение", exact=True)).to_be_enabled()
    await expect(student.locator(".blocked-note")).to_have_count(0)

    # R-MOVE-1: the administrator transfers the student to 5Б in «Движение» ...
    admin = await person(DESKTOP)
    await use_tokens(admin, story.school.school.admin, f"/admin/{story.id}/movement")
    transfer = admin.get_by_role("form", name="Перевод ученика")
    await transfer.get_by_label("Ученик").select_option(student_id)
    await transfer.get_by_label("В класс").select_option(story.school.classes["5Б"])
    await transfer.get_by_label("Основание").fill("По заявлению родителей")
    await transfer.get_by_role("button", name="Перевести").click()
    await expect(admin.get_by_role("status")).to_have_text("Перевод записан")
    # ... and, once messaging has heard of it, the old class chat is gone from the student's list.
    five_b = uuid.UUID(story.school.classes["5Б"])
    await synced(platform, story.id, student_id, lambda p: p.student_class == five_b)
    await student.goto("/chats")
    await expect(student.get_by_role("heading", name="Чаты", exact=True)).to_be_visible()
    await expect(student.locator("main")).not_to_contain_text("5А: класс")


async def test_r_priv_4_a_member_asks_the_administrator_and_the_operator_and_reads_their_answers(
    story: Story, person: Person
) -> None:
    teacher = await person()
    await use_tokens(teacher, story.teacher, f"/org/{story.id}")
    await teacher.get_by_role("link", name="Написать в поддержку").click()
    await expect(teacher.get_by_role("heading", name="Поддержка")).to_be_visible()
    write = teacher.get_by_role("form", name="Новое обращение")
    for addressee, subject in (
        ("Администратору организации", "Нет кабинета"),
        ("Оператору Парты", "Не приходит код"),
    ):
        await write.get_by_role("group", name="Кому").get_by_label(addressee).check()
        await write.get_by_label("Тема").fill(subject)
        await write.get_by_label("Что случилось").fill(f"{subject}: помогите, пожалуйста.")
        await write.get_by_role("button", name="Отправить обращение").click()
        await expect(teacher.get_by_role("status")).to_contain_text("Обращение отправлено")
        await expect(
            teacher.get_by_role("list", name="Мои обращения").get_by_role("heading", name=subject)
        ).to_be_visible()
    assert await serious_violations(teacher) == []
    await shoot(teacher, "support")

    # The administrator sees only the request addressed to them, with its author, and answers.
    admin = await person(DESKTOP)
    await use_tokens(admin, story.school.school.admin, f"/admin/{story.id}/support")
    requests = admin.get_by_role("list", name="Обращения к администратору").get_by_role("listitem")
    await expect(requests).to_have_count(1)
    await expect(requests.first).to_contain_text("Нет кабинета")
    await expect(requests.first).to_contain_text("Анна Сергеевна")
    answer = admin.get_by_role("form", name="Ответ на обращение «Нет кабинета»")
    await answer.get_by_label("Статус").select_option("resolved")
    await answer.get_by_label("Ответ").fill("Кабинет 12 с понедельника.")
    await answer.get_by_role("button", name="Сохранить").click()
    await expect(admin.get_by_role("status")).to_contain_text("сохранено")
    await expect(requests.first).to_contain_text("решено")
    assert await serious_violations(admin) == []
    await shoot(admin, "admin-support")

    # The operator sees the one addressed to the operator among every organisation's.
    operator = await person(DESKTOP)
    await use_tokens(operator, story.operator, "/operator")
    await operator.get_by_role("link", name="Обращения").click()
    await expect(operator.get_by_role("heading", name="Обращения к оператору")).to_be_visible()
    mine = operator.get_by_role("listitem").filter(has_text="Не приходит код")
    await expect(mine).to_have_count(1)
    await expect(operator.get_by_role("listitem").filter(has_text="Нет кабинета")).to_have_count(0)
    await expect(mine).to_contain_text("МБОУ «Школа № 643»")
    form = operator.get_by_role("form", name="Ответ на обращение «Не приходит код»")
    await form.get_by_label("Статус").select_option("in_progress")
    await form.get_by_label("Ответ").fill("Проверяем доставку SMS.")
    await form.get_by_role("button", name="Сохранить").click()
    await expect(operator.get_by_role("status")).to_contain_text("сохранено")
    assert await serious_violations(operator) == []

    # The author reads both answers.
    await teacher.reload()
    mine_list = teacher.get_by_role("list", name="Мои обращения")
    await expect(mine_list).to_contain_text("Кабинет 12 с понедельника.")
    await expect(mine_list).to_contain_text("Проверяем доставку SMS.")


async def test_r_inv_3_the_administrator_sees_who_asks_to_join_by_their_profile_name(
    platform: Platform, story: Story, person: Person
) -> None:
    # Someone without a name in their profile asks by the join code: «Как вас зовут» comes first.
    newcomer = await person()
    await use_tokens(newcomer, await platform.sign_in("newcomer643@people.example"), "/join")
    await give_name(newcomer, "Ваня", "Новиков")
    await newcomer.get_by_label("Код организации").fill(await story.school.join_code())
    await newcomer.get_by_role("button", name="Найти").click()
    ask = newcomer.get_by_role("form", name="Заявка на вступление")
    await ask.get_by_label("Я вступаю как").select_option("teacher")
    await ask.get_by_label("Сообщение администратору").fill("Учитель музыки")
    await ask.get_by_role("button", name="Отправить заявку").click()
    await expect(newcomer.get_by_role("status")).to_contain_text("Заявка отправлена")
    admin = await person()
    await use_tokens(admin, story.school.school.admin, f"/admin/{story.id}/requests")
    request = admin.get_by_role("listitem").filter(has_text="Учитель музыки")
    await expect(request).to_contain_text("учитель: Ваня Новиков")
    assert await serious_violations(admin) == []
    await shoot(admin, "admin-requests")
