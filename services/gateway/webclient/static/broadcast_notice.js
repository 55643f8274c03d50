// The audience's notice of broadcasts (R-MEDIA-2, decision 010): on the chats screen, a bar for each
// broadcast of the current organisation I may watch that is live now or starts within a day —
// «Трансляция «…» · сегодня в 10:00» with «Смотреть». Asked each time the chats screen opens.
import { api } from './api.js';
import { h } from './dom.js';
import { when } from './ui.js';

const AHEAD_MS = 24 * 3600 * 1000;

export function broadcastNotice(org) {
  const box = h('div', { class: 'broadcast-notices', 'aria-live': 'polite' });
  if (!org) return box;
  api.get(`/orgs/${org.id}/broadcasts`).then(({ broadcasts }) => {
    const soon = broadcasts.filter((b) => b.status === 'live' || (b.status === 'planned' && new Date(b.starts_at).getTime() - Date.now() < AHEAD_MS));
    for (const b of soon) {
      const text = b.status === 'live' ? `Идёт трансляция «${b.title}»` : `Трансляция «${b.title}» · ${when(b.starts_at)}`;
      box.append(
        h(
          'div',
          { class: 'alert info broadcast-notice', role: 'status', 'data-broadcast': b.id },
          h('span', {}, text),
          h('a', { href: `/broadcasts/${b.id}/watch`, 'data-link': true, class: 'button primary small' }, b.i_present ? 'Вести' : 'Смотреть'),
        ),
      );
    }
  }, () => {});
  return box;
}
