// /search?q=…: full-text search over the messages of my chats in the current organisation (Russian
// morphology: «контрольная» finds «контрольной»). Each result shows the chat, the author, the date and
// the found words marked. The server sends the snippet as plain segments {text, match}; the marks are
// <mark> elements made here with textContent — no HTML from the server is ever put on the page.
import { api, query } from '../api.js';
import { h, replace } from '../dom.js';
import { personName } from '../names.js';
import { searchField } from '../search_field.js';
import { messageArea, when } from '../ui.js';
import { CHAT_KIND_TITLES } from './chats.js';

const PAGE = 20;

/** The snippet: plain text with the found words in <mark>. */
export function snippet(segments) {
  return h('p', { class: 'snippet' }, segments.map((s) => (s.match ? h('mark', {}, s.text) : s.text)));
}

function hitItem(hit) {
  const kind = CHAT_KIND_TITLES[hit.chat_kind] || hit.chat_kind;
  return h(
    'li',
    { class: 'item column search-hit', 'data-chat': hit.chat_id, 'data-seq': String(hit.seq) },
    h('a', { href: `/chats/${hit.chat_id}?seq=${hit.seq}`, 'data-link': true, class: 'chat-link' }, hit.chat_title),
    h('div', { class: 'meta' }, personName(hit.organisation_id, hit.author_id), ` · ${when(hit.created_at)} · ${kind}`),
    snippet(hit.highlight),
  );
}

export async function render(main, ctx) {
  const params = new URLSearchParams(window.location.search);
  const q = (params.get('q') || '').trim();
  const chat = params.get('chat') || '';
  const org = ctx.currentOrg();
  const messages = messageArea();
  const results = h('ol', { class: 'rows search-results', 'aria-label': 'Найденные сообщения' });
  const status = h('p', { class: 'meta', role: 'status' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Показать ещё');
  replace(
    main,
    h('p', { class: 'back' }, h('a', { href: '/chats', 'data-link': true }, '← Все чаты')),
    h('h1', {}, 'Поиск по сообщениям'),
    h('div', { class: 'card' }, searchField(ctx, { value: q }),
      h('p', { class: 'hint' }, 'Ищет в чатах, где вы состоите, с учётом форм слова. Фраза в кавычках ищется целиком, слово с минусом исключается.')),
    messages.el,
    status,
    results,
    more,
  );
  if (!q) return;
  let cursor = '';
  let shown = 0;
  const load = async () => {
    const page = await api.get(`/search${query({ q, org: org?.id || '', chat, limit: PAGE, cursor })}`);
    results.append(...page.hits.map(hitItem));
    shown += page.hits.length;
    cursor = page.next_cursor || '';
    more.hidden = !cursor;
    status.textContent = shown ? `Найдено сообщений: ${shown}${cursor ? ' (есть ещё)' : ''}` : 'Ничего не найдено.';
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      await load();
    } catch (error) {
      messages.error(error);
    } finally {
      more.disabled = false;
    }
  });
  try {
    await load();
  } catch (error) {
    messages.error(error);
  }
}
