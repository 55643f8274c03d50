// How a chat shows its call: «Позвонить» in the chat's header while there is none, a bar
// «Идёт звонок · N» with «Присоединиться» while one goes on, and the same «Идёт звонок · N» in the
// chats list. The chat JSON's "call" ({id, started_at, participant_count}, absent when none) gives
// the start; `chat_call` frames of live.js keep it up to date.
import { api, ApiError } from './api.js';
import { h, replace } from './dom.js';
import { icon } from './icons.js';
import { plural } from './ui.js';

/** «Идёт звонок · 3» (or null when no call goes on). */
export function callBadge(call) {
  if (!call?.id) return null;
  const count = Number(call.participant_count) || 0;
  return h(
    'span',
    { class: 'badge call-badge', 'data-call': call.id },
    icon('phone'),
    h('span', { 'aria-hidden': 'true' }, `Идёт звонок · ${count}`),
    h('span', { class: 'visually-hidden' }, `Идёт звонок, ${plural(count, ['участник', 'участника', 'участников'])}`),
  );
}

/**
 * The call's entry in a chat: `button` (header) and `bar` (under the header); `update(call)` with
 * the chat's new "call" (or null when it ended); `refresh()` asks media itself (the chat's "call"
 * may lag behind, and a frame may have come before the chat was followed).
 */
export function callEntry(chat, ctx) {
  const path = `/chats/${chat.id}/call`;
  const button = h('button', { type: 'button', class: 'call-start' }, icon('phone'), h('span', { class: 'call-start-label' }, 'Позвонить'));
  button.addEventListener('click', () => ctx.go(path));
  const join = h('button', { type: 'button', class: 'primary small' }, 'Присоединиться');
  join.addEventListener('click', () => ctx.go(path));
  const text = h('span', { class: 'call-bar-text' });
  const bar = h('div', { class: 'call-bar', role: 'status', hidden: true }, text, join);
  const update = (call) => {
    const on = Boolean(call?.id);
    button.hidden = on;
    bar.hidden = !on;
    replace(text, on ? callBadge(call) : null);
  };
  const refresh = async () => {
    try {
      const call = await api.get(`/chats/${chat.id}/call`);
      update({ id: call.id, started_at: call.started_at, participant_count: (call.participants || []).length });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) update(null);
    }
  };
  update(chat.call);
  return { button, bar, update, refresh };
}
