// Members with their roles and the verification badge, and staff awaiting verification (R-ROLE-2).
import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { badge, busy, messageArea, roleTitle, section, when } from '../../ui.js';
import { members, peopleNames, personText } from './common.js';

export async function render(body, ctx) {
  const org = ctx.organisation;
  const top = messageArea();
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Таблица участников' });
  const pending = h('ul', { class: 'rows' });
  const refresh = h('button', { type: 'button', class: 'secondary small' }, 'Обновить');
  refresh.addEventListener('click', () => busy(refresh, fill, top));

  async function fill() {
    const [rows, { verifications }] = await Promise.all([
      members(org.id),
      api.get(`/orgs/${org.id}/verifications?status=pending`),
    ]);
    const names = await peopleNames(org.id, [...rows.map((m) => m.user_id), ...verifications.map((v) => v.user_id)]);
    const me = ctx.state.me;
    replace(
      table,
      h('table', { class: 'members' },
        h('caption', { class: 'visually-hidden' }, 'Участники организации'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Участник'), h('th', { scope: 'col' }, 'Роли'), h('th', { scope: 'col' }, 'Дата вступления'))),
        h('tbody', {}, rows.map((m) =>
          h('tr', { 'data-user': m.user_id },
            h('td', {}, personText(names, m.user_id, me)),
            h('td', {}, m.roles.map((r) => [
              badge(roleTitle(r)),
              m.verified_roles.includes(r) ? badge('✓ подтверждён', 'ok verified') : null,
            ])),
            h('td', {}, when(m.joined_at)))))),
    );
    replace(
      pending,
      verifications.length === 0
        ? h('li', { class: 'muted' }, 'Никто не ждёт подтверждения.')
        : verifications.map((v) => {
            const verify = h('button', { type: 'button', class: 'primary small' }, 'Подтвердить');
            verify.addEventListener('click', () =>
              busy(verify, async () => {
                await api.post(`/verifications/${v.id}:verify`);
                top.ok('Статус подтверждён: у участника появится отметка');
                await fill();
              }, top),
            );
            return h('li', { class: 'item', 'data-user': v.user_id },
              h('div', {}, h('strong', {}, `${roleTitle(v.role)}: `, personText(names, v.user_id, me))),
              verify);
          }),
    );
  }
  replace(
    body,
    top.el,
    section('Ожидают подтверждения статуса', h('p', { class: 'hint' }, 'Учителя и воспитатели вступают с ролью, которую администратор подтверждает (отметка в списке).'), pending),
    section('Участники', h('div', { class: 'actions' }, refresh), table),
  );
  await fill();
}
