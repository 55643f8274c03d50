// The structure (R-ORG-6): classes by the nomenclature per academic year, and units.
import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { CLASS_KIND_TITLES, currentAcademicYear, field, form, messageArea, section } from '../../ui.js';
import { classes } from './common.js';

export async function render(body, ctx) {
  const org = ctx.organisation;
  const { units } = await api.get(`/orgs/${org.id}/units`);
  const year = field('Учебный год', { name: 'academic_year', required: true, pattern: '\\d{4}/\\d{4}', value: currentAcademicYear(), inputmode: 'numeric' }, { hint: 'В формате 2026/2027.' });
  const list = h('ul', { class: 'rows' });
  async function fill() {
    const found = await classes(org.id, year.input.value.trim());
    replace(
      list,
      found.length === 0
        ? h('li', { class: 'muted' }, 'Классов в этом учебном году пока нет.')
        : found.map((c) => h('li', { class: 'item' }, h('strong', {}, c.name), h('span', { class: 'meta' }, [CLASS_KIND_TITLES[c.kind] || c.kind, c.academic_year].filter(Boolean).join(' · ')))),
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
    section('Классы', year.row, listMessages.el, list),
    section('Новый класс', classForm, classMessages.el),
    section('Подразделения', unitList, unitForm, unitMessages.el),
  );
  await fill();
}
