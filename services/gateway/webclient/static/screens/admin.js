// The administrator's console of one organisation: a tab per task, each its own module. «Заявки» and
// «Обращения» carry the number of new join requests (R-INV-3) and open support requests (R-PRIV-4),
// fetched each time the console opens.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { plural } from '../ui.js';
import { clearNotices } from '../notices.js';
import * as details from './admin/details.js';
import * as structure from './admin/structure.js';
import * as invites from './admin/invites.js';
import * as requests from './admin/requests.js';
import * as members from './admin/members.js';
import * as movement from './admin/movement.js';
import * as support from './admin/support.js';
import * as statistics from './admin/statistics.js';

/** The event a tab fires (`countsChanged(el)` in admin/common.js) after deciding a request. */
const COUNTS_CHANGED = 'parta:admin-counts-changed';

/** What each counted tab counts, and the word a screen reader hears after the number. */
const COUNTS = {
  requests: [(org) => `/orgs/${org}/join-requests?status=pending`, (reply) => reply.requests.length, ['новая', 'новые', 'новых']],
  support: [
    (org) => `/orgs/${org}/support-requests?addressee=administrator&status=open`,
    // New: open and not answered yet (an answered request waits for its author, not for the administrator).
    (reply) => reply.requests.filter((r) => r.addressee === 'administrator' && !r.answer).length,
    ['новое', 'новых', 'новых'],
  ],
};

/** Fill a tab's badge when its count arrives; a count that cannot be had is simply not shown. */
async function countInto(link, orgId, key) {
  const [path, count, words] = COUNTS[key];
  try {
    const n = count(await api.get(path(orgId)));
    link.querySelectorAll('.tab-count, .visually-hidden').forEach((old) => old.remove());
    link.normalize();
    if (link.lastChild?.nodeType === Node.TEXT_NODE) link.lastChild.textContent = link.lastChild.textContent.trimEnd();
    if (n > 0) {
      link.append(' ', h('span', { class: 'tab-count', 'aria-hidden': 'true' }, String(n)),
        h('span', { class: 'visually-hidden' }, ` — ${plural(n, words)}`));
    }
  } catch {
    // The tab itself shows the error when opened.
  }
}

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

const NOTICE_KINDS = { requests: 'join_request.created', support: 'support_request.created' };
const HEAD_TABS = new Set(['statistics']);
const CLASS_TEACHER_TABS = new Set(['invites', 'requests']);

function tabsFor(roles) {
  if (roles.includes('administrator')) return TABS;
  const keys = new Set();
  if (roles.includes('head')) HEAD_TABS.forEach((key) => keys.add(key));
  if (roles.includes('class_teacher')) CLASS_TEACHER_TABS.forEach((key) => keys.add(key));
  return TABS.filter(([key]) => keys.has(key));
}

export async function render(main, ctx, orgId, tab = 'details') {
  const organisation = await api.get(`/orgs/${encodeURIComponent(orgId)}`);
  ctx.chooseOrg(organisation.id);
  // The administrator sees every tab; the head the statistics (R-STAT-1); a class teacher their
  // class's links and join requests (R-INV-1, R-INV-3) — as «Мой класс».
  const roles = organisation.my_roles || [];
  const tabs = tabsFor(roles);
  const current = tabs.find(([key]) => key === tab) || tabs[0];
  const body = h('div', { class: 'tab-body' });
  replace(
    main,
    h('h1', {}, roles.includes('administrator') || !roles.includes('class_teacher') ? 'Администрирование' : 'Мой класс'),
    h('p', { class: 'lead' }, organisation.name),
    h(
      'nav',
      { class: 'tabs', 'aria-label': 'Разделы администрирования' },
      tabs.map(([key, title]) => {
        const link = h('a', { href: `/admin/${organisation.id}/${key}`, 'data-link': true, 'aria-current': key === current[0] ? 'page' : undefined, 'data-tab': key }, title);
        if (COUNTS[key]) countInto(link, organisation.id, key);
        return link;
      }),
    ),
    body,
  );
  // A tab that decided a request asks for fresh counts (COUNTS_CHANGED, bubbling from the tab's body).
  body.addEventListener(COUNTS_CHANGED, () => {
    for (const link of main.querySelectorAll('.tabs a[data-tab]')) {
      if (COUNTS[link.dataset.tab]) countInto(link, organisation.id, link.dataset.tab);
    }
  });
  // The notices of new requests counted on «Управление» are seen once their tab is open.
  if (NOTICE_KINDS[current[0]]) clearNotices(organisation.id, NOTICE_KINDS[current[0]]);
  await current[2].render(body, { ...ctx, organisation });
}
