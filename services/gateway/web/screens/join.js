// Ask to join an organisation by its join code (R-INV-3); the administrator decides.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, messageArea, ROLE_TITLES } from '../ui.js';

const ROLES = ['student', 'parent', 'teacher', 'educator', 'administration', 'head'];

export function render(main, ctx) {
  const messages = messageArea();
  // R-INV-3: the request shows the administrator the name from my profile; without one, ask for it.
  const me = ctx?.state?.me;
  const hasName = Boolean(me?.display_name || me?.first_name || me?.last_name);
  const name = hasName ? null : field('Как вас зовут', { name: 'display_name', required: true, maxlength: '64', autocomplete: 'name' }, { hint: 'Имя увидит администратор в заявке; его можно изменить в профиле.' });
  const code = field('Код организации', { name: 'join_code', required: true, maxlength: '32', autocomplete: 'off' }, { hint: 'Код сообщает администратор организации.' });
  const role = field('Я вступаю как', { name: 'role', required: true }, { kind: 'select', options: ROLES.map((r) => [r, ROLE_TITLES[r]]) });
  const note = field('Сообщение администратору', { name: 'message', maxlength: '1000', rows: '3' }, { kind: 'textarea', hint: 'Например: ФИО ребёнка и класс.' });
  const el = form(
    { class: 'stack', 'aria-label': 'Заявка на вступление' },
    [name?.row, code.row, role.row, note.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Отправить заявку'))],
    async () => {
      if (name) ctx.state.me = await api.patch('/me', { display_name: name.input.value.trim() });
      await api.post('/join-requests', { join_code: code.input.value.trim(), role: role.input.value, message: note.input.value.trim() });
      replace(el, h('p', { class: 'alert ok', role: 'status' }, 'Заявка отправлена. Когда администратор её примет, организация появится в вашем списке.'));
    },
    messages,
  );
  replace(
    main,
    h('h1', {}, 'Вступить по коду организации'),
    h('p', { class: 'lead' }, 'Если у вас нет ссылки-приглашения, попросите администратора принять вас по коду.'),
    h('div', { class: 'card narrow' }, el, messages.el),
  );
}
