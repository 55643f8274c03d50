// The structure (R-ORG-6): classes by the nomenclature per academic year, and units.
import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { CLASS_KIND_TITLES, currentAcademicYear, field, form, messageArea, plural, section } from '../../ui.js';
import * as classCard from './class_card.js';
import { classes, nameText, peopleNames } from './common.js';

/** A class in the list: its name opens its card (the staff room has none: no class teacher, R-ROLE-4). */
function classItem(org, c, names, me) {
  const facts = [CLASS_KIND_TITLES[c.kind] || c.kind, c.academic_year];
  if (c.kind !== 'staff_room') {
    facts.push(c.class_teacher_id ? `классный руководитель: ${nameText(names, c.class_teacher_id, me)}` : 'классный руководитель не назначен');
    facts.push(plural(c.student_count || 0, ['ученик', 'ученика', 'учеников']));
  }
  const name = c.kind === 'staff_room'
    ? h('strong', {}, c.name)
    : h('a', { href: `/admin/${org.id}/structure?class=${encodeURIComponent(c.id)}`, 'data-link': true, class: 'class-link' }, h('strong', {}, c.name));
  return h('li', { class: 'item' }, name, h('span', { class: 'meta' }, facts.filter(Boolean).join(' · ')));
}

export async function render(body, ctx) {
  const org = ctx.organisation;
  const chosen = new URLSearchParams(window.location.search).get('class');
  if (chosen) {
    await classCard.render(body, ctx, chosen);
    return;
  }
  const { units } = await api.get(`/orgs/${org.id}/units`);
  const year = field('Учебный год', { name: 'academic_year', required: true, pattern: '\\d{4}/\\d{4}', value: currentAcademicYear(), inputmode: 'numeric' }, { hint: 'В формате 2026/2027.' });
  const list = h('ul', { class: 'rows' });
  async function fill() {
    const found = await classes(org.id, year.input.value.trim());
    const names = await peopleNames(org.id, found.map((c) => c.class_teacher_id));
    replace(
      list,
      found.length === 0
        ? h('li', { class: 'muted' }, 'Классов в этом учебном году пока нет.')
        : found.map((c) => classItem(org, c, names, ctx.state.me)),
    );
  }
  const listMessages = messageArea();
  year.input.addEventListener('change', () => fill().catch((e) => listMessages.error(e)));

  const classMessages = messageArea();
  const className = field('Название класса', { name: 'class_name', required: true, maxlength: '64', placeholder: '5А' }, { hint: 'По номенклатуре: параллель 1–11 и буква, например 5А; в детском саду — группа.' });
  const unit = field('Подразделение', { name: 'unit_id' }, { kind: 'select', options: [['', 'Без подразделения'], ...units.map((u) => [u.id, u.name])] });
  const classForm = form(
    { class: 'stack', 'aria-label': 'Новый класс' },
    [className.row, units.length ? unit.row : null, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Создать класс'))],
    async () => {
      const created = await api.post(`/orgs/${org.id}/classes`, {
        name: className.input.value.trim(),
        unit_id: unit.input.value,
        academic_year: year.input.value.trim(),
      });
      className.input.value = '';
      await fill();
      classMessages.ok(`Класс ${created.name} создан`);
    },
    classMessages,
  );

  const unitMessages = messageArea();
  const unitList = h('ul', { class: 'plain' }, units.length ? units.map((u) => h('li', {}, u.name)) : h('li', { class: 'muted' }, 'Подразделений нет: организация едина.'));
  const unitName = field('Название подразделения', { name: 'unit_name', required: true, maxlength: '100', placeholder: 'Корпус на ул. Ленина' });
  const unitForm = form(
    { class: 'stack', 'aria-label': 'Новое подразделение' },
    [unitName.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Добавить подразделение'))],
    async () => {
      await api.post(`/orgs/${org.id}/units`, { name: unitName.input.value.trim() });
      await render(body, ctx);
    },
    unitMessages,
  );

  replace(
    body,
    section('Классы', year.row, h('p', { class: 'hint' }, 'Откройте класс, чтобы назначить классного руководителя и учителей-предметников.'), listMessages.el, list),
    section('Новый класс', classForm, classMessages.el),
    section('Подразделения', unitList, unitForm, unitMessages.el),
  );
  await fill();
}
