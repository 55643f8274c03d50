// The organisation's page for its members: details, the electronic journal link (R-ORG-7), my roles.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { badge, KIND_TITLES, roleTitle, safeUrl, section } from '../ui.js';
import { zoneTitle } from '../time_zones.js';

export async function render(main, ctx, orgId) {
  const organisation = await api.get(`/orgs/${encodeURIComponent(orgId)}`);
  ctx.chooseOrg(organisation.id);
  const journal = safeUrl(organisation.journal_url);
  const isAdmin = organisation.my_roles.includes('administrator');
  const details = h(
    'dl',
    { class: 'details' },
    row('Тип', KIND_TITLES[organisation.kind] || organisation.kind),
    row('Регион', organisation.region),
    row('Адрес', organisation.address),
    row('Часовой пояс', zoneTitle(organisation.time_zone)),
    row('ИНН', organisation.tax_id),
    isAdmin && organisation.join_code ? row('Код для заявок на вступление', organisation.join_code) : null,
  );
  replace(
    main,
    h('h1', {}, organisation.name),
    h('p', { class: 'roles', 'aria-label': 'Мои роли' }, organisation.my_roles.map((r) => badge(roleTitle(r)))),
    section(
      'Электронный журнал и дневник',
      journal
        ? h('a', { class: 'button primary', href: journal, target: '_blank', rel: 'noopener noreferrer' }, 'Открыть электронный журнал')
        : h('p', { class: 'muted' }, 'Администратор ещё не указал ссылку на электронный журнал.'),
    ),
    section('Об организации', details),
    section(
      'Чаты',
      h('p', {}, h('a', { href: '/chats', 'data-link': true, class: 'button' }, 'Открыть чаты')),
    ),
    section(
      'Помощь',
      h('p', {}, 'Вопрос к администратору организации или к оператору Парты.'),
      h('p', {}, h('a', { href: `/org/${organisation.id}/support`, 'data-link': true, class: 'button' }, 'Написать в поддержку')),
    ),
    isAdmin ? h('p', {}, h('a', { href: `/admin/${organisation.id}`, 'data-link': true, class: 'button' }, 'Консоль администратора')) : null,
    section(
      'Другие организации',
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: '/join', 'data-link': true }, 'Вступить по коду организации'),
        h('a', { class: 'button', href: '/apply', 'data-link': true }, 'Подключить организацию'),
      ),
    ),
  );
}

function row(term, value) {
  return [h('dt', {}, term), h('dd', {}, value || '—')];
}

/** The home screen of someone who belongs to no organisation yet. */
export function empty() {
  return h(
    'div',
    { class: 'narrow' },
    h('h1', {}, 'Добро пожаловать в Парту'),
    section(
      'Вы пока не состоите ни в одной организации',
      h('p', {}, 'Откройте ссылку-приглашение от учителя или администратора — или попросите принять вас по коду организации.'),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button primary', href: '/join', 'data-link': true }, 'Вступить по коду'),
        h('a', { class: 'button', href: '/apply', 'data-link': true }, 'Подключить организацию'),
      ),
    ),
  );
}
