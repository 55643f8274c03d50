// The audience's notice of broadcasts (R-MEDIA-2, decision 010): on the chats screen, a bar for each
// broadcast of the current organisation I may watch that is live now or starts within a day —
// «Трансляция «…» · 03.12.2026, 10:00» with «Смотреть». Asked each time the chats screen opens, and
// again when a broadcast's live notice comes (notices.js, kind broadcast.planned: a toast too).
import { api } from './api.js';
import { h } from './dom.js';
import { when } from './ui.js';

const AHEAD_MS = 24 * 3600 * 1000;

export function broadcastNotice(org) {
  const box = h('div', { class: 'broadcast-notices', 'aria-live': 'polite' });
  if (!org) return box;
  fill(box, org);
  // A broadcast planned while the screen is open (its live notice) shows here too.
  const planned = (event) => {
    if (!box.isConnected) {
      window.removeEventListener('parta:notice', planned);
      return;
    }
    if (event.detail?.kind === 'broadcast.planned' && event.detail.organisation_id === org.id) fill(box, org);
  };
  window.addEventListener('parta:notice', planned);
  return box;
}

function fill(box, org) {
  api.get(`/orgs/${org.id}/broadcasts`).then(({ broadcasts }) => {
    box.replaceChildren();
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
}
