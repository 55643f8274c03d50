// The shell: who is signed in, their organisations, the header with the organisation switcher
// and navigation, and a small router over history.pushState. Each screen is its own module.
import { api, ApiError, clearSession, session } from './api.js';
import { h, replace } from './dom.js';
import { errorBox, plural } from './ui.js';
import { icon } from './icons.js';
import { noticeCount, startNotices } from './notices.js';
import * as signin from './screens/signin.js';
import * as org from './screens/org.js';
import * as profile from './screens/profile.js';
import * as operator from './screens/operator.js';
import * as apply from './screens/apply.js';
import * as join from './screens/join.js';
import * as invite from './screens/invite.js';
import * as chats from './screens/chats.js';
import * as chat from './screens/chat.js';
import * as call from './screens/call.js';
import * as broadcasts from './screens/broadcasts.js';
import * as broadcastCall from './screens/broadcast_call.js';
import { broadcastNotice } from './broadcast_notice.js';
import * as chatlink from './screens/chatlink.js';
import * as search from './screens/search.js';
import * as moderation from './screens/moderation.js';
import * as support from './screens/support.js';
import * as operatorSupport from './screens/operator_support.js';
import * as admin from './screens/admin.js';
import { stopPush } from './screens/notify_settings.js';

const ORG_KEY = 'parta.org';

const state = { me: null, orgs: [], operator: false, loaded: false };
let leaving = []; // what the current screen stops when another one is shown (live subscriptions, timers)
let pendingFlash = ''; // a message for the next screen (a saved form that re-renders the page)

const ROUTES = [
  [/^\/invite\/([^/]+)$/, invite, { public: true }],
  [/^\/chat-link\/([^/]+)$/, chatlink, { public: true }],
  [/^\/search$/, search],
  [/^\/org\/([^/]+)$/, org],
  [/^\/org\/([^/]+)\/support$/, support],
  [/^\/admin\/([^/]+)(?:\/([a-z]+))?$/, admin],
  [/^\/operator(?:\/(statistics))?$/, operator],
  [/^\/operator\/support$/, operatorSupport],
  [/^\/profile$/, profile],
  [/^\/apply$/, apply],
  [/^\/join$/, join],
  [/^\/chats$/, chats],
  [/^\/chats\/([^/]+)$/, chat],
  [/^\/chats\/([^/]+)\/call$/, call],
  [/^\/chats\/([^/]+)\/moderation$/, moderation],
  [/^\/broadcasts$/, broadcasts],
  [/^\/broadcasts\/([^/]+)\/watch$/, broadcastCall],
];

function currentOrg() {
  const chosen = localStorage.getItem(ORG_KEY);
  return state.orgs.find((o) => o.id === chosen) || state.orgs[0] || null;
}

function chooseOrg(id) {
  localStorage.setItem(ORG_KEY, id);
}

/** Load (or reload) the person, their organisations and whether they are operator staff. */
async function load() {
  const [me, orgs, operatorCheck] = await Promise.all([
    api.get('/me'),
    api.get('/orgs'),
    api.get('/applications?status=pending').then(
      () => true,
      (error) => {
        if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return false;
        throw error;
      },
    ),
  ]);
  Object.assign(state, { me, orgs: orgs.organisations, operator: operatorCheck, loaded: true });
}

export function go(path, { replaceState = false } = {}) {
  if (replaceState) window.history.replaceState({}, '', path);
  else window.history.pushState({}, '', path);
  render().then(() => document.getElementById('main')?.focus());
}

const ctx = {
  state,
  /** Run `stop` when the screen is left (the next render). */
  onLeave(stop) {
    leaving.push(stop);
  },
  go,
  currentOrg,
  chooseOrg,
  /** Reload who I am and my organisations, then render again (after joining, editing). */
  async reload({ flash = '' } = {}) {
    await load();
    pendingFlash = flash;
    await render();
  },
  /** After a sign-in: load everything and continue at `next` (or the home screen). */
  async signedIn(next = '/') {
    await load();
    go(next, { replaceState: true });
  },
  async signOut() {
    // This browser stops getting the person's pushes (a shared family computer).
    await stopPush();
    try {
      await api.post('/auth/logout');
    } catch {
      // The session may already be over; signing out locally is what matters.
    }
    clearSession();
  },
};

function navLink(path, text, current, name) {
  return h('a', { href: path, 'data-link': true, 'aria-current': current ? 'page' : undefined }, icon(name), h('span', { class: 'nav-label' }, text));
}

const ORG_TAB = { school: 'Школа', kindergarten: 'Детский сад', additional_education: 'Центр' };

/** The sections: a row of links under the header on wide screens, a tab bar at the bottom of phones. */
function sections(path) {
  const active = currentOrg();
  const links = [navLink('/chats', 'Чаты', path === '/chats' || path.startsWith('/chats/') || path === '/search', 'chats')];
  if (active) links.push(navLink('/broadcasts', 'Трансляции', path.startsWith('/broadcasts'), 'camera'));
  if (active) links.push(navLink(`/org/${active.id}`, ORG_TAB[active.kind] || 'Организация', path.startsWith('/org/') || path === '/join' || path === '/apply', 'school'));
  if (active?.my_roles.includes('administrator')) {
    const admin = navLink(`/admin/${active.id}`, 'Управление', path.startsWith('/admin/'), 'admin');
    admin.append(adminCount(active.id));
    links.push(admin);
  } else if (active?.my_roles.includes('head')) {
    // The head sees the organisation's weekly statistics (R-STAT-1).
    links.push(navLink(`/admin/${active.id}/statistics`, 'Статистика', path.startsWith('/admin/'), 'stats'));
  } else if (active?.my_roles.includes('class_teacher')) {
    // A class teacher hands out their class's links and decides its join requests (R-INV-1, R-INV-3).
    links.push(navLink(`/admin/${active.id}/invites`, 'Мой класс', path.startsWith('/admin/'), 'admin'));
  }
  if (state.operator) links.push(navLink('/operator', 'Оператор', path === '/operator' || path.startsWith('/operator/'), 'operator'));
  links.push(navLink('/profile', 'Профиль', path === '/profile', 'profile'));
  return h('nav', { class: 'nav', 'aria-label': 'Разделы' }, links);
}

const NEW_REQUESTS = ['join_request.created', 'support_request.created'];

/** New join and support requests that came in while the page was open, on the «Управление» tab. */
function adminCount(orgId) {
  const count = NEW_REQUESTS.reduce((sum, kind) => sum + noticeCount(orgId, kind), 0);
  const badge = h('span', { class: 'nav-count', 'data-org': orgId, hidden: !count }, String(count), h('span', { class: 'visually-hidden' }, ` ${plural(count, ['новый запрос', 'новых запроса', 'новых запросов'], { withNumber: false })}`));
  return badge;
}

function refreshAdminCount() {
  const badge = document.querySelector('.nav .nav-count');
  if (badge) badge.replaceWith(adminCount(badge.dataset.org));
}
window.addEventListener('parta:notice', refreshAdminCount);
window.addEventListener('parta:notice-cleared', refreshAdminCount);

/** The name a person goes by: their first and last name, or what they chose to show. */
export function myName(me) {
  return [me?.first_name, me?.last_name].filter(Boolean).join(' ') || me?.display_name || '';
}

function brand(link = true) {
  const mark = [h('span', { class: 'logo', 'aria-hidden': 'true' }, 'П'), h('span', { class: 'brand-name' }, 'Парта')];
  return link ? h('a', { class: 'brand', href: '/', 'data-link': true, 'aria-label': 'Парта — на главную' }, mark) : h('span', { class: 'brand' }, mark);
}

function header(path) {
  const active = currentOrg();
  let switcher = null;
  if (state.orgs.length > 1) {
    const select = h(
      'select',
      { id: 'org-switcher', value: active?.id },
      state.orgs.map((o) => h('option', { value: o.id }, o.name)),
    );
    select.addEventListener('change', () => {
      chooseOrg(select.value);
      const onAdmin = window.location.pathname.startsWith('/admin/');
      const chosen = currentOrg();
      go(onAdmin && chosen.my_roles.includes('administrator') ? `/admin/${chosen.id}` : '/chats');
    });
    switcher = h('div', { class: 'switcher' }, h('label', { for: 'org-switcher', class: 'visually-hidden' }, 'Организация'), select);
  } else if (active) {
    switcher = h('span', { class: 'org-name' }, active.name);
  }
  const name = myName(state.me);
  return h(
    'header',
    { class: 'top' },
    h(
      'div',
      { class: 'bar' },
      brand(),
      switcher,
      name ? h('a', { class: 'who', id: 'who', href: '/profile', 'data-link': true }, name) : null,
    ),
    sections(path),
  );
}

function home() {
  return currentOrg() ? '/chats' : null;
}

async function render() {
  const stops = leaving;
  leaving = [];
  for (const stop of stops) {
    try {
      stop();
    } catch (error) {
      console.error(error);
    }
  }
  const app = document.getElementById('app');
  const path = window.location.pathname;
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const skip = h('a', { class: 'skip', href: '#main' }, 'Перейти к содержимому');
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  const signed = session() !== null;

  if (!signed && !(route && route[2]?.public)) {
    replace(app, skip, h('header', { class: 'top' }, h('div', { class: 'bar' }, brand(false))), main);
    replace(main, signin.screen(ctx, { next: path === '/' ? '/' : path }));
    document.title = 'Вход — Парта';
    return;
  }
  if (signed && !state.loaded) {
    try {
      await load();
    } catch (error) {
      replace(app, skip, main);
      replace(main, errorBox(error));
      return;
    }
    if (session() === null) return; // signed out while loading
  }
  if (signed) startNotices(); // decisions, answers and new requests, live while the page is open
  replace(app, skip, signed ? header(path) : h('header', { class: 'top' }, h('div', { class: 'bar' }, brand())), main);
  if (!route) {
    const target = home();
    if (target && path === '/') {
      go(target, { replaceState: true });
      return;
    }
    replace(main, org.empty(ctx));
    document.title = 'Парта';
    return;
  }
  const params = path.match(route[0]).slice(1).map((p) => (p ? decodeURIComponent(p) : p));
  try {
    await route[1].render(main, ctx, ...params);
  } catch (error) {
    main.appendChild(errorBox(error));
  }
  if (route[1] === chats) main.querySelector('h1')?.closest('.chats-head')?.after(broadcastNotice(currentOrg()));
  if (pendingFlash) {
    main.querySelector('h1')?.after(h('div', { class: 'alert ok', role: 'status' }, pendingFlash));
    pendingFlash = '';
  }
  const heading = main.querySelector('h1');
  if (heading) document.title = `${heading.textContent} — Парта`;
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-link]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  go(link.getAttribute('href'));
});
window.addEventListener('popstate', () => render());
window.addEventListener('parta:signed-out', () => {
  Object.assign(state, { me: null, orgs: [], operator: false, loaded: false });
  go('/', { replaceState: true });
});

render();
