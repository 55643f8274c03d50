// The chats of the current organisation: mine with unread counts, those I may join (after reading
// and accepting their rules, R-CHAT-5), my invitations, and «Новый чат» for staff (R-CHAT-1, R-CHAT-2).
import { api, query } from '../api.js';
import { append, h, replace } from '../dom.js';
import { live } from '../live.js';
import { badge, errorBox, field, form, messageArea, section } from '../ui.js';
import { searchField } from '../search_field.js';

export const CHAT_KIND_TITLES = {
  class: 'Чат класса',
  parents: 'Чат родителей класса',
  class_staff: 'Чат учителей класса',
  subject: 'Чат предмета',
  management: 'Чат администрации',
  other: 'Другой чат',
  channel: 'Канал',
};
const CLASS_KINDS = new Set(['class', 'parents', 'class_staff', 'subject']);
const STAFF = new Set(['administrator', 'head', 'administration', 'teacher', 'class_teacher', 'educator']);

export function kindTitle(chat) {
  if (chat.system_kind) return 'Системный канал';
  return CHAT_KIND_TITLES[chat.kind] || chat.kind;
}

/** Numbered rules and «Принимаю правила»: `accept(rules_version)` joins (R-CHAT-5). */
export function rulesBox(chat, accept, { cancel = null } = {}) {
  const messages = messageArea();
  const button = h('button', { type: 'button', class: 'primary' }, 'Принимаю правила');
  button.addEventListener('click', async () => {
    button.disabled = true;
    messages.clear();
    try {
      await accept(chat.rules_version);
    } catch (error) {
      messages.error(error);
      button.disabled = false;
    }
  });
  return h(
    'div',
    { class: 'rules', role: 'group', 'aria-label': `Правила чата «${chat.title}»` },
    h('h3', {}, `Правила чата «${chat.title}»`),
    h('p', { class: 'hint' }, `Версия ${chat.rules_version}. Чтобы вступить, прочитайте и примите правила.`),
    h('ol', { class: 'rules-list' }, chat.rules.map((rule) => h('li', {}, rule))),
    h('div', { class: 'actions' }, button, cancel),
    messages.el,
  );
}

function unreadBadge(count) {
  if (!count) return null;
  return h('span', { class: 'badge unread', 'data-unread': String(count) }, String(count), h('span', { class: 'visually-hidden' }, ' непрочитанных'));
}

function chatLink(chat) {
  const title = h('a', { href: `/chats/${chat.id}`, 'data-link': true, class: 'chat-link' }, chat.title);
  const unread = h('span', { class: 'unread-slot' }, unreadBadge(chat.unread_count));
  const item = h(
    'li',
    { class: 'item chat-item', 'data-chat': chat.id },
    h('div', { class: 'chat-name' }, title, h('span', { class: 'meta' }, kindTitle(chat))),
    unread,
  );
  return { item, unread, chat };
}

export async function render(main, ctx) {
  const org = ctx.currentOrg();
  if (!org) {
    replace(main, h('h1', {}, 'Чаты'), section('Нет организации', h('p', {}, 'Чаты появятся, когда вы вступите в организацию.')));
    return;
  }
  const [mine, joinable, invitations] = await Promise.all([
    api.get(`/chats${query({ organisation_id: org.id })}`),
    api.get(`/orgs/${org.id}/chats/joinable`),
    api.get('/me/chat-invitations'),
  ]);
  const myInvitations = invitations.invitations.filter((i) => i.organisation_id === org.id && i.status === 'pending');
  const isStaff = org.my_roles.some((r) => STAFF.has(r));
  const isAdmin = org.my_roles.includes('administrator');

  // My chats, with unread counts kept up to date by the live connection.
  const rows = mine.chats.map(chatLink);
  const subscriptions = [];
  const me = ctx.state.me?.id;
  for (const row of rows) {
    subscriptions.push(
      live().subscribe(row.chat.id, row.chat.last_seq, (frame) => {
        if (!row.item.isConnected) return;
        if (frame.type === 'message') {
          row.chat.last_seq = Math.max(row.chat.last_seq, frame.message.seq);
          if (frame.message.author_id !== me) {
            row.chat.unread_count += 1;
            replace(row.unread, unreadBadge(row.chat.unread_count));
          }
        } else if (frame.type === 'read') {
          // I read it on another device: the count follows there.
          row.chat.unread_count = Math.max(0, row.chat.last_seq - frame.last_read_seq);
          replace(row.unread, unreadBadge(row.chat.unread_count));
        } else if (frame.type === 'removed') {
          row.item.remove();
        }
      }),
    );
  }
  ctx.onLeave(() => subscriptions.forEach((off) => off()));
  const list = h('ul', { class: 'rows chats', 'aria-label': 'Мои чаты' }, rows.map((r) => r.item));

  replace(
    main,
    h('h1', {}, 'Чаты'),
    searchField(ctx),
    h(
      'div',
      { class: 'chat-columns' },
      h(
        'div',
        {},
        section('Мои чаты', rows.length ? list : h('p', { class: 'muted' }, 'Вы пока не состоите ни в одном чате.')),
        myInvitations.length ? section('Приглашения', invitationList(myInvitations, ctx)) : null,
      ),
      h(
        'div',
        {},
        section(
          'Можно вступить',
          joinable.chats.length
            ? h('ul', { class: 'rows', 'aria-label': 'Чаты, в которые можно вступить' }, joinable.chats.map((c) => joinableItem(c, ctx)))
            : h('p', { class: 'muted' }, 'Новых чатов для вас нет.'),
        ),
        isStaff ? section('Новый чат', await newChatForm(org, isAdmin, ctx)) : null,
      ),
    ),
  );
}

function joinableItem(chat, ctx) {
  const item = h('li', { class: 'item column', 'data-chat': chat.id });
  const button = h('button', { type: 'button', 'aria-expanded': 'false' }, 'Вступить');
  const head = h(
    'div',
    { class: 'row' },
    h('div', { class: 'chat-name' }, h('strong', {}, chat.title), h('span', { class: 'meta' }, `${kindTitle(chat)} · участников: ${chat.member_count}`)),
    button,
  );
  const place = h('div', {});
  button.addEventListener('click', async () => {
    button.setAttribute('aria-expanded', 'true');
    button.hidden = true;
    try {
      const full = await api.get(`/chats/${chat.id}`);
      const cancel = h('button', { type: 'button' }, 'Отмена');
      cancel.addEventListener('click', () => {
        replace(place);
        button.hidden = false;
        button.setAttribute('aria-expanded', 'false');
        button.focus();
      });
      replace(
        place,
        rulesBox(
          full,
          async (version) => {
            await api.post(`/chats/${chat.id}:join`, { rules_version: version });
            ctx.go(`/chats/${chat.id}`);
          },
          { cancel },
        ),
      );
      place.querySelector('button.primary')?.focus();
    } catch (error) {
      replace(place, errorBox(error));
      button.hidden = false;
    }
  });
  return append(item, [head, place]);
}

function invitationList(invitations, ctx) {
  return h(
    'ul',
    { class: 'rows', 'aria-label': 'Приглашения в чаты' },
    invitations.map((invitation) => {
      const place = h('div', {});
      const accept = h('button', { type: 'button', class: 'primary' }, 'Принять');
      const decline = h('button', { type: 'button', class: 'danger' }, 'Отклонить');
      const item = h(
        'li',
        { class: 'item column' },
        h('div', { class: 'row' }, h('strong', {}, invitation.chat_title), h('div', { class: 'actions' }, accept, decline)),
        place,
      );
      accept.addEventListener('click', async () => {
        try {
          const chat = await api.get(`/chats/${invitation.chat_id}`);
          accept.hidden = true;
          replace(
            place,
            rulesBox(chat, async (version) => {
              await api.post(`/chat-invitations/${invitation.id}:accept`, { rules_version: version });
              ctx.go(`/chats/${invitation.chat_id}`);
            }),
          );
          place.querySelector('button.primary')?.focus();
        } catch (error) {
          replace(place, errorBox(error));
        }
      });
      decline.addEventListener('click', async () => {
        try {
          await api.post(`/chat-invitations/${invitation.id}:decline`);
          replace(item, h('p', { class: 'muted', role: 'status' }, `Приглашение в «${invitation.chat_title}» отклонено.`));
        } catch (error) {
          replace(place, errorBox(error));
        }
      });
      return item;
    }),
  );
}

async function newChatForm(org, isAdmin, ctx) {
  let classes = [];
  try {
    classes = (await api.get(`/orgs/${org.id}/classes`)).classes.filter((c) => c.kind !== 'staff_room');
  } catch {
    classes = [];
  }
  const kinds = Object.entries(CHAT_KIND_TITLES).filter(([kind]) => kind !== 'channel' || isAdmin);
  const kind = field('Вид чата', { name: 'kind' }, { kind: 'select', options: kinds });
  const klass = field('Класс', { name: 'class_id' }, { kind: 'select', options: classes.map((c) => [c.id, c.name]) });
  const subject = field('Предмет', { name: 'subject', maxlength: 64 });
  const title = field('Название', { name: 'title', maxlength: 200 }, { hint: 'Для чатов класса можно оставить пустым: чат назовётся по классу.' });
  const messages = messageArea();
  const sync = () => {
    const needsClass = CLASS_KINDS.has(kind.input.value);
    klass.row.hidden = !needsClass;
    subject.row.hidden = kind.input.value !== 'subject';
    title.input.required = !needsClass;
  };
  kind.input.addEventListener('change', sync);
  sync();
  return form(
    { class: 'stack', 'aria-label': 'Новый чат' },
    [kind.row, klass.row, subject.row, title.row, h('button', { type: 'submit', class: 'primary' }, 'Создать чат'), messages.el],
    async () => {
      const chosen = kind.input.value;
      const body = { kind: chosen, title: title.input.value.trim() };
      if (CLASS_KINDS.has(chosen)) body.class_id = klass.input.value;
      if (chosen === 'subject') body.subject = subject.input.value.trim();
      const chat = await api.post(`/orgs/${org.id}/chats`, body);
      ctx.go(`/chats/${chat.id}`);
    },
    messages,
  );
}
