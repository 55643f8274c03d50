// «Ссылка-приглашение» in a chat, for its moderators and the organisation's administrators (R-CHAT-6):
// make a link (expiry up to 30 days, optional number of uses), copy it, see the links with their
// uses, revoke one or all. Shown only when the server lets the viewer list the chat's links.
import { api } from './api.js';
import { h, replace } from './dom.js';
import { field, form, messageArea, plural, STAFF_ROLES, when } from './ui.js';

const EXPIRY = [['1', '1 день'], ['3', '3 дня'], ['7', '7 дней'], ['14', '14 дней'], ['30', '30 дней']];

function status(link) {
  if (link.revoked) return 'отозвана';
  if (!link.active) return 'не действует';
  return 'действует';
}

/** A read-only field with the link and «Копировать». */
function copyBox(url) {
  const { row, input } = field('Ссылка — покажется один раз, сохраните её', { value: url, readonly: true, class: 'chat-link-url' });
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Копировать');
  const note = h('span', { class: 'meta', role: 'status' });
  copy.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(url);
      note.textContent = 'Скопировано';
    } catch {
      note.textContent = 'Выделено: скопируйте сочетанием Ctrl+C';
    }
  });
  return h('div', { class: 'created-link' }, row, h('div', { class: 'actions' }, copy, note));
}

export async function linksPanel(ctx, chat, after) {
  const org = ctx.state.orgs.find((o) => o.id === chat.organisation_id);
  if (!(org?.my_roles || []).some((role) => STAFF_ROLES.has(role))) return;
  let links;
  try {
    links = (await api.get(`/chats/${chat.id}/links`)).links;
  } catch {
    return; // not a moderator of this chat: no panel
  }
  if (!after.isConnected) return;
  const messages = messageArea();
  const created = h('div', {});
  const list = h('ul', { class: 'rows chat-links', 'aria-label': 'Ссылки-приглашения' });
  const revokeAll = h('button', { type: 'button', class: 'secondary' }, 'Отозвать все');

  const draw = () => {
    const active = links.filter((l) => l.active);
    revokeAll.hidden = active.length === 0;
    replace(list, links.length ? links.map((link) => {
      const revoke = h('button', { type: 'button', class: 'secondary small' }, 'Отозвать');
      revoke.hidden = !link.active;
      revoke.addEventListener('click', async () => {
        try {
          const updated = await api.del(`/chats/${chat.id}/links/${link.id}`);
          links = links.map((l) => (l.id === updated.id ? updated : l));
          draw();
        } catch (error) {
          messages.error(error);
        }
      });
      const uses = link.max_uses ? `${link.uses} из ${link.max_uses}` : `${link.uses}`;
      return h('li', { class: 'item', 'data-link-id': link.id },
        h('span', {}, `До ${when(link.expires_at)} · вступили: ${uses} · ${status(link)}`), revoke);
    }) : h('li', { class: 'muted' }, 'Ссылок пока нет.'));
  };
  revokeAll.addEventListener('click', async () => {
    try {
      const done = await api.del(`/chats/${chat.id}/links`);
      links = (await api.get(`/chats/${chat.id}/links`)).links;
      draw();
      messages.ok(`Отозвано: ${plural(done.revoked, ['ссылка', 'ссылки', 'ссылок'])}`);
    } catch (error) {
      messages.error(error);
    }
  });

  const days = field('Срок действия', { name: 'days', value: '7' }, { kind: 'select', options: EXPIRY });
  const uses = field('Сколько человек может вступить', { name: 'uses', type: 'number', min: 1, max: 1000, inputmode: 'numeric' }, { hint: 'Пусто — без ограничения' });
  const make = form({ class: 'stack' }, [
    days.row,
    uses.row,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Создать ссылку')),
  ], async () => {
    const reply = await api.post(`/chats/${chat.id}/links`, {
      expires_in_days: Number(days.input.value),
      max_uses: uses.input.value ? Number(uses.input.value) : 0,
    });
    links = [reply.link, ...links];
    draw();
    replace(created, copyBox(reply.url));
  }, messages);
  draw();
  after.after(h('details', { class: 'card chat-links-panel' },
    h('summary', {}, 'Ссылка-приглашение'),
    h('p', { class: 'hint' }, 'По ссылке вступают участники вашей организации, для кого этот чат, приняв его правила. Ссылка не делает участником школы.'),
    make, created, messages.el, list, h('div', { class: 'actions' }, revokeAll)));
}
