// Ask to join an organisation by its join code (R-INV-3); the administrator decides. The code is
// looked up first («Найти»): the organisation's name and its classes of this year (no members), so a
// student or parent picks their class and a parent names their child (R-ROLE-6). A person without a
// name gives it first (name_step.js).
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { withName } from '../name_step.js';
import { parentFields } from '../parent_claim.js';
import { field, form, KIND_TITLES, messageArea, ROLE_TITLES } from '../ui.js';

const ROLES = ['student', 'parent', 'teacher', 'educator', 'administration', 'head'];
const CLASS_ROLES = new Set(['student', 'parent']);

export async function render(main, ctx) {
  const body = h('div', { class: 'card narrow' });
  replace(
    main,
    h('h1', {}, 'Вступить по коду организации'),
    h('p', { class: 'lead' }, 'Если у вас нет ссылки-приглашения, попросите администратора принять вас по коду.'),
    body,
  );
  await withName(ctx, body, () => replace(body, codeStep()));
}

function codeStep() {
  const messages = messageArea();
  const code = field('Код организации', { name: 'join_code', required: true, maxlength: '32', autocomplete: 'off', autocapitalize: 'characters' }, { hint: 'Код сообщает администратор организации.' });
  const find = h('button', { type: 'submit', class: 'primary' }, 'Найти');
  code.row.append(messages.el);
  const found = h('div', {});
  const el = form(
    { class: 'stack', 'aria-label': 'Поиск организации по коду' },
    [code.row, h('div', { class: 'actions' }, find)],
    async () => {
      replace(found);
      const value = code.input.value.trim();
      const preview = await api.get(`/join-codes/${encodeURIComponent(value)}`);
      replace(found, requestStep(value, preview));
    },
    messages,
  );
  return h('div', { class: 'stack' }, el, found);
}

function requestStep(joinCode, preview) {
  const messages = messageArea();
  const classes = preview.classes.filter((c) => c.kind !== 'staff_room');
  const role = field('Я вступаю как', { name: 'role', required: true }, { kind: 'select', options: ROLES.map((r) => [r, ROLE_TITLES[r]]) });
  const klass = field('Класс', { name: 'class_id', required: true }, {
    kind: 'select',
    options: [['', classes.length ? 'Выберите класс' : 'Классов пока нет'], ...classes.map((c) => [c.id, c.name])],
  });
  const parent = parentFields();
  const note = field('Сообщение администратору', { name: 'message', maxlength: '1000', rows: '3' }, { kind: 'textarea' });
  const sync = () => {
    const inClass = CLASS_ROLES.has(role.input.value);
    klass.row.hidden = !inClass;
    klass.input.required = inClass;
    parent.row.hidden = role.input.value !== 'parent';
    parent.required(role.input.value === 'parent');
  };
  role.input.addEventListener('change', sync);
  sync();
  const el = form(
    { class: 'stack', 'aria-label': 'Заявка на вступление' },
    [role.row, klass.row, parent.row, note.row, messages.el, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Отправить заявку'))],
    async () => {
      const chosen = role.input.value;
      await api.post('/join-requests', {
        join_code: joinCode,
        role: chosen,
        class_id: CLASS_ROLES.has(chosen) ? klass.input.value : '',
        message: note.input.value.trim(),
        parent: chosen === 'parent' ? parent.value() : null,
      });
      replace(el, h('p', { class: 'alert ok', role: 'status' }, 'Заявка отправлена. Когда администратор её примет, организация появится в вашем списке.'));
    },
    messages,
  );
  return h(
    'section',
    { class: 'stack', 'aria-labelledby': 'join-org' },
    h('h2', { id: 'join-org' }, preview.organisation_name),
    h('p', { class: 'hint' }, KIND_TITLES[preview.organisation_kind] || ''),
    el,
  );
}
