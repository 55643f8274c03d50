// The administrator's console of one organisation: a tab per task, each its own module.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import * as details from './admin/details.js';
import * as structure from './admin/structure.js';
import * as invites from './admin/invites.js';
import * as requests from './admin/requests.js';
import * as members from './admin/members.js';
import * as movement from './admin/movement.js';
import * as support from './admin/support.js';
import * as statistics from './admin/statistics.js';

const TABS = [
  ['details', 'Реквизиты', details],
  ['structure', 'Структура', structure],
  ['invites', 'Приглашения', invites],
  ['requests', 'Заявки', requests],
  ['members', 'Участники', members],
  ['movement', 'Движение', movement],
  ['support', 'Обращения', support],
  ['statistics', 'Статистика', statistics],
];

export async function render(main, ctx, orgId, tab = 'details') {
  const organisation = await api.get(`/orgs/${encodeURIComponent(orgId)}`);
  ctx.chooseOrg(organisation.id);
  // The head sees the statistics tab only (R-STAT-1); the administrator every tab.
  const roles = organisation.my_roles || [];
  const tabs = roles.includes('administrator') ? TABS : TABS.filter(([key]) => key === 'statistics');
  const current = tabs.find(([key]) => key === tab) || tabs[0];
  const body = h('div', { class: 'tab-body' });
  replace(
    main,
    h('h1', {}, 'Администрирование'),
    h('p', { class: 'lead' }, organisation.name),
    h(
      'nav',
      { class: 'tabs', 'aria-label': 'Разделы администрирования' },
      tabs.map(([key, title]) =>
        h('a', { href: `/admin/${organisation.id}/${key}`, 'data-link': true, 'aria-current': key === current[0] ? 'page' : undefined }, title),
      ),
    ),
    body,
  );
  await current[2].render(body, { ...ctx, organisation });
}
