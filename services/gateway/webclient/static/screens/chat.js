// One chat, as a messenger shows it: the conversation fills the screen between the chat's header
// and a one-line composer that grows; the list is pinned to the newest message (or opens at the
// first unread one, under a marker), with day separators and times; each message's actions are in
// its «⋯» menu. What I type is kept as a draft across reloads; a message that could not be sent
// stays in the conversation as «Не отправлено» and is sent again when the connection returns.
// Live updates come from live.js, with a 5 s REST poll while the socket is not there. In a channel
// only administrators post (R-CHAT-2); a non-member sees the rules and joins (R-CHAT-5). Message text
// is only ever text nodes, with the small markup of markup.js built as elements.
import { api, ApiError, query } from '../api.js';
import { attachmentPicker, attachmentsNode } from '../attachments.js';
import { append, h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { messageText } from '../markup.js';
import { live } from '../live.js';
import { personName } from '../names.js';
import { mergePollUpdate, pollBlock, pollButton, seenLine } from '../polls.js';
import { busy, clock, dayKey, dayLabel, field, messageArea, plural, STAFF_ROLES, when } from '../ui.js';
import { kindTitle, rulesBox } from './chats.js';
import { chatNotes } from './moderation.js';
import { linksPanel } from '../chat_links.js';
import { callEntry } from '../call_entry.js';
import { Outbox, saveDraft, loadDraft } from '../outbox.js';

const PAGE = 50;
const POLL_MS = 5000;
// How far back a search result or the first unread message is looked for: 20 pages of 50.
const REVEAL_PAGES = 20;
// The composer grows with its text up to this many lines, then scrolls.
const COMPOSER_LINES = 6;

export async function render(main, ctx, chatId) {
  const chat = await api.get(`/chats/${encodeURIComponent(chatId)}`);
  if (!chat.member) {
    replace(
      main,
      h('p', { class: 'back' }, h('a', { href: '/chats', 'data-link': true }, '← Все чаты')),
      h('h1', {}, chat.title),
      h('p', { class: 'meta' }, `${kindTitle(chat)} · ${plural(chat.member_count, ['участник', 'участника', 'участников'])}`),
      h('div', { class: 'card' }, rulesBox(chat, async (version) => {
        await api.post(`/chats/${chat.id}:join`, { rules_version: version });
        ctx.go(`/chats/${chat.id}`, { replaceState: true });
      })),
    );
    return;
  }
  new ChatView(main, ctx, chat).start();
}

class ChatView {
  constructor(main, ctx, chat) {
    Object.assign(this, { main, ctx, chat });
    this.me = ctx.state.me?.id || '';
    this.messages = new Map(); // seq → message
    this.nodes = new Map(); // seq → <li>
    this.days = new Map(); // day key → <li class="day">
    this.oldest = 0;
    this.newest = 0;
    this.readMark = chat.last_read_seq;
    this.firstUnread = chat.unread_count > 0 ? chat.last_read_seq + 1 : 0;
    this.replyTo = null;
    this.closed = false;
    this.pinned = true; // the view follows the newest message while the reader is at the bottom
    this.outbox = new Outbox(chat.id);
    this.notice = messageArea();
    this.earlier = h('button', { type: 'button', class: 'secondary earlier small', hidden: true }, 'Показать раньше');
    this.earlier.addEventListener('click', () => this.loadEarlier());
    this.list = h('ol', { class: 'history', 'aria-label': 'Сообщения' });
    this.empty = h('p', { class: 'muted empty' }, 'Сообщений пока нет. Напишите первым.');
    this.scroller = h(
      'div',
      { class: 'chat-scroll', role: 'log', 'aria-live': 'polite', 'aria-label': 'Переписка', tabindex: '0' },
      this.earlier,
      this.empty,
      this.list,
    );
    this.scroller.addEventListener('scroll', () => {
      this.pinned = this.nearBottom();
    });
    this.offline = h('p', { class: 'offline', role: 'status', hidden: true }, 'Нет связи. Сообщения отправятся, когда связь восстановится.');
    this.status = h('span', { class: 'live-status', 'aria-live': 'off' });
  }

  async start() {
    document.body.classList.add('chat-open');
    this.ctx.onLeave(() => this.stop());
    this.info = this.infoPanel();
    this.noteAnchor = h('div', { class: 'chat-notes' });
    this.bottom = this.chat.may_post ? this.composer() : this.readOnlyNote();
    replace(
      this.main,
      h('div', { class: 'chat-screen' }, this.header(), this.info, this.noteAnchor, this.offline, this.scroller, this.notice.el, this.bottom),
    );
    chatNotes(this.main, this.ctx, this.chat, { link: this.infoNotes, notes: this.noteAnchor }); // moderation: link, my reminders, my block (R-MOD-2, R-MOD-3)
    linksPanel(this.ctx, this.chat, this.infoRules); // «Ссылка-приглашение» for moderators (R-CHAT-6)
    // The list follows its newest message while pinned, also when pictures load and grow it.
    this.resize = new ResizeObserver(() => {
      if (this.pinned) this.scrollDown();
    });
    this.resize.observe(this.list);
    const page = await api.get(`/chats/${this.chat.id}/messages${query({ limit: PAGE })}`);
    this.add(page.messages);
    this.earlier.hidden = !page.has_more;
    this.showOutbox();
    // Opened from a search result (/chats/<id>?seq=N): show that message; else the first unread
    // one under a marker; else the newest.
    const found = Number(new URLSearchParams(window.location.search).get('seq')) || 0;
    if (found) await this.reveal(found, { mark: 'found' });
    else if (this.firstUnread && this.firstUnread <= this.newest) await this.reveal(this.firstUnread, { mark: 'unread' });
    else this.scrollDown();
    this.markRead();
    // Live updates; while the socket is not live, the open chat is polled every 5 s.
    this.unsubscribe = live().subscribe(this.chat.id, this.newest, (frame) => this.onFrame(frame));
    this.unstatus = live().onStatus((status) => {
      this.liveStatus = status;
      this.status.textContent = status === 'live' ? '' : 'обновляется каждые 5 секунд';
      this.status.dataset.live = status;
      if (status === 'live') {
        this.flush();
        this.call?.refresh(); // what changed before the chat was followed (or while the socket was down)
      }
    });
    this.poller = window.setInterval(() => {
      if (this.liveStatus !== 'live') this.poll();
      if (this.outbox.failed().length && navigator.onLine) this.flush();
    }, POLL_MS);
    document.addEventListener('visibilitychange', this.onVisible);
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.setOffline(!navigator.onLine);
    this.flush();
  }

  stop() {
    this.closed = true;
    document.body.classList.remove('chat-open');
    this.unsubscribe?.();
    this.unstatus?.();
    this.resize?.disconnect();
    window.clearInterval(this.poller);
    document.removeEventListener('visibilitychange', this.onVisible);
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
  }

  onVisible = () => {
    if (document.visibilityState === 'visible') this.markRead();
  };

  onOnline = () => {
    this.setOffline(false);
    this.poll();
    this.flush();
  };

  onOffline = () => this.setOffline(true);

  setOffline(offline) {
    this.offline.hidden = !offline;
  }

  // --- the chat's header and its «О чате» panel ----------------------------------------------
  header() {
    const back = h('a', { href: '/chats', 'data-link': true, class: 'icon-button back-button', 'aria-label': 'Все чаты' }, icon('back'));
    this.infoButton = h('button', { type: 'button', class: 'icon-button', 'aria-expanded': 'false', 'aria-controls': 'chat-info', 'aria-label': 'О чате: правила и участники' }, icon('info'));
    this.infoButton.addEventListener('click', () => this.toggleInfo());
    this.meta = h('p', { class: 'meta chat-meta' }, `${kindTitle(this.chat)} · ${plural(this.chat.member_count, ['участник', 'участника', 'участников'])}`, ' ', this.status);
    this.call = callEntry(this.chat, this.ctx); // «Позвонить», or «Идёт звонок · N» and «Присоединиться»
    return [
      h(
        'header',
        { class: 'chat-header' },
        back,
        h('div', { class: 'chat-title' }, h('h1', {}, this.chat.title), this.meta),
        this.call.button,
        this.infoButton,
      ),
      this.call.bar,
    ];
  }

  infoPanel() {
    this.infoNotes = h('div', { class: 'info-notes' });
    this.infoRules = h(
      'div',
      { class: 'info-rules' },
      h('h2', {}, 'Правила чата'),
      h('ol', { class: 'rules-list' }, this.chat.rules.map((rule) => h('li', {}, rule))),
    );
    const close = h('button', { type: 'button', class: 'secondary small' }, 'Закрыть');
    close.addEventListener('click', () => this.toggleInfo(false));
    return h('section', { class: 'chat-info card', id: 'chat-info', hidden: true, 'aria-label': 'О чате' }, this.infoNotes, this.inviteClass(), this.infoRules, h('div', { class: 'actions' }, close));
  }

  /**
   * «Пригласить весь класс» for staff in a class's chat: everyone of its audience who is not in it
   * yet gets an invitation to accept or decline (R-CHAT-4: joining is voluntary, never forced).
   */
  inviteClass() {
    const org = this.ctx.state.orgs.find((o) => o.id === this.chat.organisation_id);
    const staff = (org?.my_roles || []).some((role) => STAFF_ROLES.has(role));
    if (!staff || !this.chat.class_id) return null;
    const messages = messageArea();
    const button = h('button', { type: 'button', class: 'secondary' }, 'Пригласить весь класс');
    button.addEventListener('click', () =>
      busy(button, async () => {
        const { invitations } = await api.post(`/chats/${this.chat.id}/invitations`, { whole_class: true });
        messages.ok(
          invitations.length
            ? `Отправлено ${plural(invitations.length, ['приглашение', 'приглашения', 'приглашений'])}: каждый примет его сам.`
            : 'Все, кого можно пригласить, уже в чате или уже приглашены.',
        );
      }, messages),
    );
    return h(
      'div',
      { class: 'info-invite' },
      h('h2', {}, 'Участники'),
      h('p', { class: 'hint' }, 'Приглашение приходит каждому, для кого этот чат; вступает он сам, приняв правила.'),
      button,
      messages.el,
    );
  }

  toggleInfo(open = this.info.hidden) {
    this.info.hidden = !open;
    this.infoButton.setAttribute('aria-expanded', String(open));
    if (!open) this.infoButton.focus();
  }

  // --- history -------------------------------------------------------------------------------
  /** Add or update messages (any order, repeats ignored unless they changed). */
  add(messages) {
    let grew = false;
    for (const message of messages) {
      const known = this.messages.get(message.seq);
      this.messages.set(message.seq, message);
      const node = this.messageNode(message);
      if (known) {
        this.nodes.get(message.seq)?.replaceWith(node);
      } else {
        this.insert(message, node);
        if (message.seq > this.newest) grew = true;
        if (message.author_id === this.me) this.dropPending(message);
      }
      this.nodes.set(message.seq, node);
      this.oldest = this.oldest ? Math.min(this.oldest, message.seq) : message.seq;
      this.newest = Math.max(this.newest, message.seq);
      live().seen(this.chat.id, message.seq);
    }
    this.layoutDays();
    this.empty.hidden = this.messages.size > 0 || this.outbox.items().length > 0;
    if (grew && this.pinned) this.scrollDown();
    if (grew) this.markRead();
  }

  /**
   * My message arrived (live, by the poll, or as the answer to its send): the bubble that showed it
   * waiting goes, so it is never on screen twice. The outbox itself lets go when its send returns.
   */
  dropPending(message) {
    const waiting = this.outbox.items().find((item) => item.text === message.text && this.list.querySelector(`li.pending[data-outbox="${item.id}"]`));
    if (waiting) this.list.querySelector(`li.pending[data-outbox="${waiting.id}"]`)?.remove();
  }

  /** Put a new message's node in order: before the next later message, else before what waits to be sent. */
  insert(message, node) {
    const after = [...this.nodes.keys()].filter((s) => s > message.seq).sort((a, b) => a - b)[0];
    const next = after ? this.nodes.get(after) : this.list.querySelector('li.msg.pending');
    if (next) this.list.insertBefore(node, next);
    else this.list.appendChild(node);
  }

  /** A separator («Сегодня», «Вчера», «3 декабря») before the first message of each day. */
  layoutDays() {
    const used = new Set();
    let previous = null;
    for (const li of this.list.querySelectorAll('li.msg')) {
      const created = li.dataset.seq ? this.messages.get(Number(li.dataset.seq))?.created_at : li.dataset.created;
      const key = dayKey(created);
      if (!key || key === previous) continue;
      previous = key;
      used.add(key);
      let separator = this.days.get(key);
      if (!separator) {
        separator = h('li', { class: 'day', 'data-day': key }, h('span', {}, dayLabel(created)));
        this.days.set(key, separator);
      }
      // The unread marker stays right above the first unread message, under its day.
      const above = li.previousElementSibling?.classList.contains('unread-marker') ? li.previousElementSibling : li;
      if (above.previousElementSibling !== separator) above.before(separator);
    }
    for (const [key, separator] of this.days) {
      if (!used.has(key)) {
        separator.remove();
        this.days.delete(key);
      }
    }
  }

  nearBottom() {
    const box = this.scroller;
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  scrollDown() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
  }

  /** Page back to message `seq` (a bounded number of pages), mark it and move the focus to it. */
  async reveal(seq, { mark }) {
    for (let pages = 0; !this.nodes.has(seq) && seq < this.oldest && !this.earlier.hidden && pages < REVEAL_PAGES; pages += 1) {
      await this.loadEarlier();
    }
    let node = this.nodes.get(seq);
    if (!node && mark === 'unread') {
      // The first unread message may be gone (deleted): the next one after it.
      const later = [...this.nodes.keys()].filter((s) => s > seq).sort((a, b) => a - b)[0];
      node = later ? this.nodes.get(later) : null;
    }
    if (!node) {
      this.scrollDown();
      return;
    }
    if (mark === 'found') {
      node.classList.add('found');
      node.tabIndex = -1;
      node.focus({ preventScroll: true });
      node.scrollIntoView({ block: 'center' });
    } else {
      const marker = h('li', { class: 'unread-marker', id: 'first-unread' }, h('span', {}, 'Непрочитанные сообщения'));
      const before = node.previousElementSibling?.classList.contains('day') ? node.previousElementSibling : node;
      before.before(marker);
      marker.scrollIntoView({ block: 'start' });
    }
    this.pinned = this.nearBottom();
  }

  async loadEarlier() {
    this.earlier.disabled = true;
    try {
      const first = this.nodes.get(this.oldest);
      const top = first ? first.getBoundingClientRect().top : 0;
      const page = await api.get(`/chats/${this.chat.id}/messages${query({ before: this.oldest, limit: PAGE })}`);
      this.add(page.messages);
      this.earlier.hidden = !page.has_more;
      // Keep what the reader was looking at where it was.
      if (first) this.scroller.scrollTop += first.getBoundingClientRect().top - top;
      this.notice.clear();
    } catch (error) {
      this.notice.error(error);
    } finally {
      this.earlier.disabled = false;
    }
  }

  async poll() {
    if (this.closed || this.polling) return;
    this.polling = true;
    try {
      const page = await api.get(`/chats/${this.chat.id}/messages${query({ after: this.newest, limit: 100 })}`);
      this.setOffline(false);
      if (!this.closed) this.add(page.messages);
    } catch (error) {
      if (error.status === 404 || error.status === 409) this.removed();
      else if (!(error instanceof ApiError)) this.setOffline(true);
    } finally {
      this.polling = false;
    }
  }

  onFrame(frame) {
    if (this.closed) return;
    if (frame.type === 'message' || frame.type === 'message_edited' || frame.type === 'message_deleted') {
      if (frame.message) this.add([frame.message]);
      else if (frame.type === 'message_deleted' && this.messages.has(frame.seq)) {
        this.add([{ ...this.messages.get(frame.seq), deleted: true, text: '' }]);
      }
    } else if (frame.type === 'poll_updated' && frame.message && this.messages.has(frame.message.seq)) {
      this.add([mergePollUpdate(this.messages.get(frame.message.seq), frame.message)]);
    } else if (frame.type === 'removed') {
      this.removed();
    } else if (frame.type === 'chat_call') {
      this.call?.update(frame.call || null);
    } else if (frame.type === 'error') {
      this.notice.error(new Error(frame.message || 'Ошибка живого обновления'));
    }
  }

  /** I was removed from the chat: say so and close it. */
  removed() {
    if (this.closed) return;
    this.stop();
    replace(
      this.main,
      h('p', { class: 'back' }, h('a', { href: '/chats', 'data-link': true }, '← Все чаты')),
      h('h1', {}, this.chat.title),
      h('div', { class: 'alert error', role: 'alert' }, 'Вас исключили из этого чата. Переписка больше недоступна.'),
    );
  }

  /** Mark read up to the newest shown message (when the page is visible). */
  async markRead() {
    if (document.visibilityState === 'hidden' || this.newest <= this.readMark || this.closed) return;
    const seq = this.newest;
    this.readMark = seq;
    try {
      await api.post(`/chats/${this.chat.id}:read`, { seq });
    } catch {
      // A read mark is a convenience: the next shown message tries again.
    }
  }

  // --- one message ---------------------------------------------------------------------------
  messageNode(message) {
    const mine = message.author_id === this.me;
    const node = h('li', { class: `msg${mine ? ' mine' : ''}${message.deleted ? ' deleted' : ''}`, 'data-seq': String(message.seq) });
    if (!mine) node.append(h('p', { class: 'msg-author' }, personName(this.chat.organisation_id, message.author_id)));
    if (message.reply_to_seq) node.append(this.quote(message.reply_to_seq));
    const time = h('time', { datetime: message.created_at || '', title: when(message.created_at) }, clock(message.created_at));
    const foot = h('p', { class: 'msg-foot meta' }, message.edited_at && !message.deleted ? 'изменено · ' : null, time);
    if (message.deleted) {
      append(node, [h('p', { class: 'text muted' }, 'Сообщение удалено'), foot]);
      return node;
    }
    // A poll's text is its question, shown as the poll's legend (polls.js).
    append(node, [
      message.poll ? pollBlock(this, message) : messageText(message.text),
      attachmentsNode(message.attachments), // files: thumbnails and download links (attachments.js)
      seenLine(message), // «Просмотров: N» under channel posts, for those who run the channel
    ]);
    const actions = h('div', { class: 'msg-actions', hidden: true });
    const label = excerpt(message.text) || 'вложение';
    if (this.chat.may_post) actions.append(this.action('Ответить', `Ответить на сообщение: ${label}`, () => this.startReply(message)));
    if (message.text && navigator.clipboard) actions.append(this.action('Копировать текст', `Копировать текст: ${label}`, () => navigator.clipboard.writeText(message.text)));
    if (mine) {
      // A poll's question is not edited once people vote on it (R-CHAT-3).
      if (!message.poll) actions.append(this.action('Изменить', `Изменить сообщение: ${label}`, () => this.startEdit(message, node)));
      actions.append(this.action('Удалить', `Удалить сообщение: ${label}`, () => this.remove(message), 'danger'));
    }
    const menu = h('button', { type: 'button', class: 'icon-button msg-menu', 'aria-expanded': 'false', 'aria-label': `Действия с сообщением: ${label}` }, icon('more'));
    menu.addEventListener('click', () => this.toggleMenu(node, menu, actions));
    actions.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.toggleMenu(node, menu, actions, false);
    });
    foot.append(menu);
    append(node, [foot, actions]);
    return node;
  }

  /** Open or close a message's actions (one open at a time). */
  toggleMenu(node, button, actions, open = actions.hidden) {
    if (open && this.openMenu && this.openMenu.actions !== actions) this.openMenu.close();
    actions.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    node.classList.toggle('menu-open', open);
    if (open) {
      this.openMenu = { actions, close: () => this.toggleMenu(node, button, actions, false) };
      actions.querySelector('button')?.focus();
      if (node === this.list.lastElementChild) this.scrollDown();
    } else if (this.openMenu?.actions === actions) {
      this.openMenu = null;
    }
  }

  action(text, label, run, kind = '') {
    const button = h('button', { type: 'button', class: `menu-item ${kind}`.trim(), 'aria-label': label }, text);
    button.addEventListener('click', () => {
      this.openMenu?.close();
      run();
    });
    return button;
  }

  quote(seq) {
    const original = this.messages.get(seq);
    const text = original ? (original.deleted ? 'Сообщение удалено' : excerpt(original.text, 120) || 'Вложение') : `сообщение № ${seq}`;
    return h('p', { class: 'quote reply-quote' }, h('span', { class: 'visually-hidden' }, 'В ответ на: '), text);
  }

  async remove(message) {
    try {
      const deleted = await api.del(`/chats/${this.chat.id}/messages/${message.seq}`);
      this.add([deleted]);
      this.textarea?.focus();
    } catch (error) {
      this.notice.error(error);
    }
  }

  startEdit(message, node) {
    const edit = field('Новый текст сообщения', { name: 'text', rows: 3, maxlength: 4000, value: message.text }, { kind: 'textarea' });
    const save = h('button', { type: 'submit', class: 'primary small' }, 'Сохранить');
    const cancel = h('button', { type: 'button', class: 'small' }, 'Отмена');
    const messages = messageArea();
    const editor = h('form', { class: 'stack edit-form', novalidate: true }, edit.row, h('div', { class: 'actions' }, save, cancel), messages.el);
    const restore = () => {
      const fresh = this.messageNode(this.messages.get(message.seq));
      editor.closest('li')?.replaceWith(fresh);
      this.nodes.set(message.seq, fresh);
    };
    cancel.addEventListener('click', restore);
    editor.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = edit.input.value.trim();
      if (!text) return;
      save.disabled = true;
      try {
        const edited = await api.patch(`/chats/${this.chat.id}/messages/${message.seq}`, { text });
        this.messages.set(edited.seq, edited);
        restore();
      } catch (error) {
        messages.error(error);
      } finally {
        save.disabled = false;
      }
    });
    edit.input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') restore();
    });
    node.querySelector('.text')?.replaceWith(editor);
    node.querySelector('.msg-actions')?.remove();
    node.querySelector('.msg-menu')?.remove();
    edit.input.focus();
  }

  // --- sending: the outbox keeps what is not sent yet ------------------------------------------
  /** Show the messages waiting in the outbox (typed before a reload or while offline). */
  showOutbox() {
    for (const item of this.outbox.items()) this.pendingNode(item);
    this.empty.hidden = this.messages.size > 0 || this.outbox.items().length > 0;
  }

  pendingNode(item) {
    let node = this.list.querySelector(`li.pending[data-outbox="${item.id}"]`);
    const failed = item.state === 'failed';
    const retry = h('button', { type: 'button', class: 'menu-item' }, icon('retry'), 'Повторить');
    retry.addEventListener('click', () => {
      this.outbox.update(item.id, { state: 'waiting' });
      this.flush();
    });
    const drop = h('button', { type: 'button', class: 'menu-item danger' }, 'Удалить');
    drop.addEventListener('click', () => {
      this.outbox.remove(item.id);
      node.remove();
    });
    const fresh = h(
      'li',
      { class: `msg mine pending${failed ? ' failed' : ''}`, 'data-outbox': item.id, 'data-created': item.created_at },
      messageText(item.text),
      item.attachment_ids?.length ? h('p', { class: 'meta' }, plural(item.attachment_ids.length, ['файл', 'файла', 'файлов'])) : null,
      h('p', { class: 'msg-foot meta' }, failed ? 'Не отправлено' : 'Отправляется…'),
      failed ? h('div', { class: 'msg-actions' }, retry, drop) : null,
    );
    if (node) node.replaceWith(fresh);
    else this.list.appendChild(fresh);
    node = fresh;
    this.layoutDays();
    if (this.pinned) this.scrollDown();
    return node;
  }

  /** Send what waits in the outbox, in order, one at a time (also what is added meanwhile). */
  async flush() {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    try {
      // The oldest first; a sent or refused message leaves the outbox, a failure stops the round.
      for (let item = this.outbox.items()[0]; item && !this.closed; item = this.outbox.items()[0]) {
        if (item.state === 'failed' && !navigator.onLine) break;
        this.outbox.update(item.id, { state: 'sending' });
        this.pendingNode({ ...item, state: 'sending' });
        try {
          const posted = await api.post(`/chats/${this.chat.id}/messages`, item.body);
          this.outbox.remove(item.id);
          this.list.querySelector(`li.pending[data-outbox="${item.id}"]`)?.remove();
          this.readMark = Math.max(this.readMark, posted.seq); // sending moves my own read mark
          this.setOffline(false);
          this.add([posted]);
          this.scrollDown();
        } catch (error) {
          if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
            // Refused (a block, a rule, bad input): not sent and will not be; the text goes back.
            this.outbox.remove(item.id);
            this.list.querySelector(`li.pending[data-outbox="${item.id}"]`)?.remove();
            if (this.textarea && !this.textarea.value) {
              this.textarea.value = item.body.text;
              this.grow();
            }
            this.composerMessages?.error(error);
            continue;
          }
          // No connection or the server is unavailable: kept, tried again when it returns.
          this.outbox.update(item.id, { state: 'failed' });
          this.pendingNode({ ...item, state: 'failed' });
          if (!(error instanceof ApiError)) this.setOffline(true);
          break;
        }
      }
    } finally {
      this.flushing = false;
    }
    this.poll(); // anything others sent meanwhile
  }

  // --- the composer --------------------------------------------------------------------------
  composer() {
    this.textarea = h('textarea', {
      id: 'composer-text',
      name: 'text',
      rows: 1,
      maxlength: 4000,
      placeholder: 'Сообщение',
      'aria-label': 'Сообщение',
      'aria-describedby': 'composer-hint',
      enterkeyhint: 'send',
    });
    this.textarea.value = loadDraft(this.chat.id);
    this.replyBox = h('div', { class: 'replying', hidden: true });
    const send = h('button', { type: 'submit', class: 'icon-button send', 'aria-label': 'Отправить' }, icon('send'));
    this.composerMessages = messageArea();
    this.picker = attachmentPicker(this.chat.id); // «Прикрепить файл» and the files to send (attachments.js)
    const poll = pollButton(this);
    const composer = h(
      'form',
      { class: 'composer', 'aria-label': 'Новое сообщение', novalidate: true },
      this.replyBox,
      this.picker.list,
      h('div', { class: 'composer-row' }, this.picker.button, poll, this.textarea, send),
      h('p', { class: 'visually-hidden', id: 'composer-hint' }, 'Enter — отправить, Shift+Enter — новая строка.'),
      this.composerMessages.el,
    );
    composer.append(this.picker.input);
    composer.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = this.textarea.value.trim();
      const files = this.picker.ids();
      if (!text && !files.length) return;
      if (this.picker.busy()) {
        this.composerMessages.error(new Error('Дождитесь, пока файлы загрузятся'));
        return;
      }
      this.composerMessages.clear();
      const body = { text };
      if (this.replyTo) body.reply_to_seq = this.replyTo.seq;
      if (files.length) body.attachment_ids = files;
      const item = this.outbox.push(body);
      this.textarea.value = '';
      saveDraft(this.chat.id, '');
      this.grow();
      this.picker.clear();
      this.cancelReply();
      this.empty.hidden = true;
      this.pendingNode(item);
      this.scrollDown();
      this.textarea.focus();
      this.flush();
    });
    this.textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      } else if (event.key === 'Escape' && this.replyTo) {
        this.cancelReply();
      }
    });
    this.textarea.addEventListener('input', () => {
      saveDraft(this.chat.id, this.textarea.value);
      this.grow();
    });
    queueMicrotask(() => this.grow());
    return composer;
  }

  /** The composer is one line and grows with its text, up to COMPOSER_LINES lines. */
  grow() {
    const area = this.textarea;
    if (!area?.isConnected) return;
    const pinned = this.pinned;
    const style = getComputedStyle(area);
    const border = Number.parseFloat(style.borderTopWidth) + Number.parseFloat(style.borderBottomWidth);
    const padding = Number.parseFloat(style.paddingTop) + Number.parseFloat(style.paddingBottom);
    const line = Number.parseFloat(style.lineHeight) || 22;
    area.style.height = 'auto';
    area.style.height = `${Math.min(area.scrollHeight + border, line * COMPOSER_LINES + padding + border)}px`;
    if (pinned) this.scrollDown();
  }

  startReply(message) {
    this.replyTo = message;
    const cancel = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Отменить ответ' }, icon('close'));
    cancel.addEventListener('click', () => {
      this.cancelReply();
      this.textarea.focus();
    });
    replace(this.replyBox, h('p', { class: 'quote' }, h('span', { class: 'meta' }, 'Ответ на: '), excerpt(message.text, 120) || 'вложение'), cancel);
    this.replyBox.hidden = false;
    this.textarea.focus();
  }

  cancelReply() {
    this.replyTo = null;
    if (this.replyBox) {
      replace(this.replyBox);
      this.replyBox.hidden = true;
    }
  }

  readOnlyNote() {
    return h(
      'div',
      { class: 'alert warn read-only', role: 'note' },
      h('p', {}, 'В этом канале публикуют только администраторы организации. Вы можете читать сообщения.'),
    );
  }
}

function excerpt(text, length = 60) {
  const flat = (text || '').replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

