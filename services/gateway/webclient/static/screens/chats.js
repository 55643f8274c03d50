// The home screen: the chats of the current organisation as a messenger lists them — newest activity
// first, each with its last message, time and unread count, kept up to date live — then my
// invitations, the chats I may join (after reading and accepting their rules, R-CHAT-5), and
// «Новый чат» for staff (R-CHAT-1, R-CHAT-2).
import { api, ApiError, query } from '../api.js';
import { append, h, replace } from '../dom.js';
import { live } from '../live.js';
import { errorBox, field, form, listTime, messageArea, plural, section, STAFF_ROLES } from '../ui.js';
import { personName } from '../names.js';
import { searchField } from '../search_field.js';
import { callBadge } from '../call_entry.js';

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
  return h('span', { class: 'badge unread', 'data-unread': String(count) }, String(count), h('span', { class: 'visually-hidden' }, ` ${plural(count, ['непрочитанное', 'непрочитанных', 'непрочитанных'], { withNumber: false })}`));
}

/** Two letters for the chat's round picture: «5А: класс» → «5А», «Общешкольный канал» → «ОК». */
function initials(title) {
  const words = title.replace(/[^\p{L}\p{N}\s]/gu, ' ').split(/\s+/).filter(Boolean);
  if (!words.length) return '•';
  if (/\d/.test(words[0])) return words[0].slice(0, 3).toUpperCase();
  return (words[0][0] + (words[1]?.[0] || '')).toUpperCase();
}

/** The preview line: «Вы: …», «Ольга Смирнова: …», «Сообщение удалено», «Опрос: …», «Файл». */
function previewLine(org, last, me) {
  if (!last) return h('span', { class: 'preview muted' }, 'Сообщений пока нет');
  let text = last.text.replace(/\s+/g, ' ').trim();
  if (last.deleted) text = 'Сообщение удалено';
  else if (last.is_poll) text = `Опрос: ${text}`;
  else if (!text && last.has_attachments) text = 'Вложение';
  const author = last.author_id === me ? 'Вы' : personName(org, last.author_id);
  return h('span', { class: 'preview' }, h('span', { class: 'preview-author' }, author, ': '), text);
}

function chatRow(chat, me) {
  const row = { chat };
  row.unread = h('span', { class: 'unread-slot' }, unreadBadge(chat.unread_count));
  row.time = h('time', { class: 'chat-time meta', datetime: chat.last_message?.created_at || '' }, chat.last_message ? listTime(chat.last_message.created_at) : '');
  row.preview = h('span', { class: 'preview-slot' }, previewLine(chat.organisation_id, chat.last_message, me));
  row.call = h('span', { class: 'call-slot' }, callBadge(chat.call)); // «Идёт звонок · N» while a call goes on
  row.item = h(
    'li',
    { class: 'chat-item', 'data-chat': chat.id },
    h(
      'a',
      { href: `/chats/${chat.id}`, 'data-link': true, class: 'chat-row' },
      h('span', { class: `avatar kind-${chat.system_kind ? 'channel' : chat.kind}`, 'aria-hidden': 'true' }, initials(chat.title)),
      h(
        'span',
        { class: 'chat-main' },
        h('span', { class: 'chat-top' }, h('span', { class: 'chat-link' }, chat.title), row.time),
        h('span', { class: 'chat-bottom' }, row.preview, row.call, row.unread),
        h('span', { class: 'visually-hidden' }, `. ${kindTitle(chat)}`),
      ),
    ),
  );
  return row;
}

/** A message arrived live: the row shows it, moves to the top, and counts it when it is not mine. */
function onLiveMessage(row, list, message, me) {
  const chat = row.chat;
  chat.last_seq = Math.max(chat.last_seq, message.seq);
  chat.last_message = {
    seq: message.seq,
    author_id: message.author_id,
    text: message.text || '',
    created_at: message.created_at,
    deleted: Boolean(message.deleted),
    has_attachments: Boolean(message.attachments?.length),
    is_poll: Boolean(message.poll),
  };
  replace(row.preview, previewLine(chat.organisation_id, chat.last_message, me));
  row.time.dateTime = message.created_at || '';
  row.time.textContent = listTime(message.created_at);
  if (message.author_id !== me) {
    chat.unread_count += 1;
    replace(row.unread, unreadBadge(chat.unread_count));
  }
  if (list.firstElementChild !== row.item) list.prepend(row.item);
}

// A school just approved, or a person who has just joined, is known to directory at once and to
// messaging a moment later (its read model follows directory's events): a 404 then means "not yet",
// so the screen says so and asks again for a while before showing the error.
const NOT_YET_TRIES = 20;

async function onceKnown(main, load) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await load();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404 || attempt >= NOT_YET_TRIES) throw error;
      if (attempt === 0) replace(main, h('h1', {}, 'Чаты'), h('p', { role: 'status' }, 'Подключаем вас к чатам школы…'));
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * (attempt + 1), 2000)));
    }
  }
}

export async function render(main, ctx) {
  const org = ctx.currentOrg();
  if (!org) {
    replace(main, h('h1', {}, 'Чаты'), section('Нет организации', h('p', {}, 'Чаты появятся, когда вы вступите в организацию.'), h('p', {}, h('a', { href: '/join', 'data-link': true }, 'Вступить по коду организации'))));
    return;
  }
  const [mine, joinable, invitations] = await onceKnown(main, () => Promise.all([
    api.get(`/chats${query({ organisation_id: org.id })}`),
    api.get(`/orgs/${org.id}/chats/joinable`),
    api.get('/me/chat-invitations'),
  ]));
  const myInvitations = invitations.invitations.filter((i) => i.organisation_id === org.id && i.status === 'pending');
  const isStaff = org.my_roles.some((r) => STAFF_ROLES.has(r));
  const isAdmin = org.my_roles.includes('administrator');

  // My chats, newest activity first, kept up to date by the live connection.
  const me = ctx.state.me?.id;
  const rows = mine.chats.map((chat) => chatRow(chat, me));
  const list = h('ul', { class: 'chat-list', 'aria-label': 'Мои чаты' }, rows.map((r) => r.item));
  const subscriptions = [];
  for (const row of rows) {
    subscriptions.push(
      live().subscribe(row.chat.id, row.chat.last_seq, (frame) => {
        if (!row.item.isConnected) return;
        if (frame.type === 'message' && frame.message) {
          onLiveMessage(row, list, frame.message, me);
        } else if (frame.type === 'read') {
          // I read it on another device: the count follows there.
          row.chat.unread_count = Math.max(0, row.chat.last_seq - frame.last_read_seq);
          replace(row.unread, unreadBadge(row.chat.unread_count));
        } else if (frame.type === 'removed') {
          row.item.remove();
        } else if (frame.type === 'chat_call') {
          row.chat.call = frame.call || undefined;
          replace(row.call, callBadge(frame.call));
        }
      }),
    );
  }
  ctx.onLeave(() => subscriptions.forEach((off) => off()));

  const newChat = isStaff ? await newChatPanel(org, isAdmin, ctx) : null;
  replace(
    main,
    h('div', { class: 'chats-head' }, h('h1', {}, 'Чаты'), newChat?.button),
    newChat?.panel,
    searchField(ctx),
    myInvitations.length ? section('Приглашения', invitationList(myInvitations, ctx)) : null,
    rows.length ? list : h('p', { class: 'muted empty-list' }, 'Вы пока не состоите ни в одном чате. Вступите в чаты ниже.'),
    joinable.chats.length
      ? section('Можно вступить', h('ul', { class: 'rows', 'aria-label': 'Чаты, в которые можно вступить' }, joinable.chats.map((c) => joinableItem(c, ctx))))
      : null,
  );
}

function joinableItem(chat, ctx) {
  const item = h('li', { class: 'item column', 'data-chat': chat.id });
  const button = h('button', { type: 'button', 'aria-expanded': 'false' }, 'Вступить');
  const head = h(
    'div',
    { class: 'row' },
    h('div', { class: 'chat-name' }, h('strong', {}, chat.title), h('span', { class: 'meta' }, `${kindTitle(chat)} · ${plural(chat.member_count, ['участник', 'участника', 'участников'])}`)),
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

/** «Новый чат» for staff: a button in the list's header that opens the form above the list. */
async function newChatPanel(org, isAdmin, ctx) {
  const button = h('button', { type: 'button', class: 'secondary small', 'aria-expanded': 'false', 'aria-controls': 'new-chat' }, 'Новый чат');
  const panel = section('Новый чат', await newChatForm(org, isAdmin, ctx));
  panel.id = 'new-chat';
  panel.hidden = true;
  button.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    button.setAttribute('aria-expanded', String(!panel.hidden));
    if (!panel.hidden) panel.querySelector('select, input')?.focus();
  });
  return { button, panel };
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
