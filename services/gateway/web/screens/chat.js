// One chat: history by sequence (newest at the bottom, «Показать раньше» pages back), the composer
// (Enter sends, Shift+Enter is a new line), replies, editing and deleting my messages, read marks,
// live updates (live.js) with a 5 s REST poll while the socket is not there. In a channel only
// administrators post (R-CHAT-2): others see why instead of a composer. A non-member sees the rules
// and «Принимаю правила» (R-CHAT-5). Message text is only ever text nodes (pre-wrap), with the small
// markup of markup.js built as elements, never parsed as HTML.
import { api, query } from '../api.js';
import { attachmentPicker, attachmentsNode } from '../attachments.js';
import { h, replace } from '../dom.js';
import { messageText } from '../markup.js';
import { live } from '../live.js';
import { personName } from '../names.js';
import { mergePollUpdate, pollBlock, pollButton, seenLine } from '../polls.js';
import { field, messageArea, when } from '../ui.js';
import { kindTitle, rulesBox } from './chats.js';
import { chatNotes } from './moderation.js';
import { linksPanel } from '../chat_links.js';

const PAGE = 50;
const POLL_MS = 5000;
// How far back a search result is looked for: 20 pages of 50 messages.
const REVEAL_PAGES = 20;

export async function render(main, ctx, chatId) {
  const chat = await api.get(`/chats/${encodeURIComponent(chatId)}`);
  const back = h('p', { class: 'back' }, h('a', { href: '/chats', 'data-link': true }, '← Все чаты'));
  const heading = h('h1', {}, chat.title);
  const meta = h('p', { class: 'meta' }, `${kindTitle(chat)} · участников: ${chat.member_count}`);
  if (!chat.member) {
    replace(
      main,
      back,
      heading,
      meta,
      h('div', { class: 'card' }, rulesBox(chat, async (version) => {
        await api.post(`/chats/${chat.id}:join`, { rules_version: version });
        ctx.go(`/chats/${chat.id}`, { replaceState: true });
      })),
    );
    return;
  }
  new ChatView(main, ctx, chat, { back, heading, meta }).start();
}

class ChatView {
  constructor(main, ctx, chat, top) {
    Object.assign(this, { main, ctx, chat, top });
    this.me = ctx.state.me?.id || '';
    this.messages = new Map(); // seq → message
    this.nodes = new Map(); // seq → <li>
    this.oldest = 0;
    this.newest = 0;
    this.readMark = chat.last_read_seq;
    this.replyTo = null;
    this.closed = false;
    this.notice = messageArea();
    this.earlier = h('button', { type: 'button', class: 'secondary earlier', hidden: true }, 'Показать раньше');
    this.earlier.addEventListener('click', () => this.loadEarlier());
    this.list = h('ol', { class: 'history', 'aria-label': 'Сообщения' });
    this.log = h('div', { role: 'log', 'aria-live': 'polite', 'aria-label': 'Переписка' }, this.list);
    this.empty = h('p', { class: 'muted empty' }, 'Сообщений пока нет.');
    this.status = h('p', { class: 'live-status meta', 'aria-live': 'off' });
  }

  async start() {
    const { back, heading, meta } = this.top;
    const rules = h(
      'details',
      { class: 'rules-details' },
      h('summary', {}, 'Правила чата'),
      h('ol', { class: 'rules-list' }, this.chat.rules.map((rule) => h('li', {}, rule))),
    );
    this.bottom = this.chat.may_post ? this.composer() : this.readOnlyNote();
    replace(
      this.main,
      back,
      heading,
      meta,
      rules,
      h('div', { class: 'chat' }, this.earlier, this.empty, this.log, this.status, this.notice.el, this.bottom),
    );
    this.ctx.onLeave(() => this.stop());
    chatNotes(this.main, this.ctx, this.chat, meta); // moderation: link, my reminders, my block (R-MOD-2, R-MOD-3)
    linksPanel(this.ctx, this.chat, rules); // «Ссылка-приглашение» for moderators (R-CHAT-6)
    const page = await api.get(`/chats/${this.chat.id}/messages${query({ limit: PAGE })}`);
    this.add(page.messages);
    this.earlier.hidden = !page.has_more;
    // Opened from a search result (/chats/<id>?seq=N): show that message, else the newest.
    const found = Number(new URLSearchParams(window.location.search).get('seq')) || 0;
    if (found) await this.reveal(found);
    else this.scrollDown();
    this.markRead();
    // Live updates; while the socket is not live, the open chat is polled every 5 s.
    this.unsubscribe = live().subscribe(this.chat.id, this.newest, (frame) => this.onFrame(frame));
    this.unstatus = live().onStatus((status) => {
      this.liveStatus = status;
      this.status.textContent = status === 'live' ? 'Обновляется сразу' : 'Обновляется каждые 5 секунд';
      this.status.dataset.live = status;
    });
    this.poller = window.setInterval(() => {
      if (this.liveStatus !== 'live') this.poll();
    }, POLL_MS);
    document.addEventListener('visibilitychange', this.onVisible);
  }

  stop() {
    this.closed = true;
    this.unsubscribe?.();
    this.unstatus?.();
    window.clearInterval(this.poller);
    document.removeEventListener('visibilitychange', this.onVisible);
  }

  onVisible = () => {
    if (document.visibilityState === 'visible') this.markRead();
  };

  // --- history -------------------------------------------------------------------------------
  /** Add or update messages (any order, repeats ignored unless they changed). */
  add(messages) {
    const atBottom = this.nearBottom();
    let grew = false;
    for (const message of messages) {
      const known = this.messages.get(message.seq);
      this.messages.set(message.seq, message);
      const node = this.messageNode(message);
      if (known) {
        this.nodes.get(message.seq)?.replaceWith(node);
      } else {
        const after = [...this.nodes.keys()].filter((s) => s > message.seq).sort((a, b) => a - b)[0];
        if (after) this.list.insertBefore(node, this.nodes.get(after));
        else this.list.appendChild(node);
        if (message.seq > this.newest) grew = true;
      }
      this.nodes.set(message.seq, node);
      this.oldest = this.oldest ? Math.min(this.oldest, message.seq) : message.seq;
      this.newest = Math.max(this.newest, message.seq);
      live().seen(this.chat.id, message.seq);
    }
    this.empty.hidden = this.messages.size > 0;
    if (grew && atBottom) this.scrollDown();
    if (grew) this.markRead();
  }

  nearBottom() {
    const doc = document.scrollingElement || document.documentElement;
    return doc.scrollHeight - doc.scrollTop - doc.clientHeight < 160;
  }

  scrollDown() {
    const last = this.list.lastElementChild;
    if (last) last.scrollIntoView({ block: 'end' });
  }

  /** Page back to message `seq` (a bounded number of pages), mark it and move the focus to it. */
  async reveal(seq) {
    for (let pages = 0; !this.nodes.has(seq) && seq < this.oldest && !this.earlier.hidden && pages < REVEAL_PAGES; pages += 1) {
      await this.loadEarlier();
    }
    const node = this.nodes.get(seq);
    if (!node) {
      this.scrollDown();
      return;
    }
    node.classList.add('found');
    node.tabIndex = -1;
    node.scrollIntoView({ block: 'center' });
    node.focus({ preventScroll: true });
  }

  async loadEarlier() {
    this.earlier.disabled = true;
    try {
      const first = this.nodes.get(this.oldest);
      const page = await api.get(`/chats/${this.chat.id}/messages${query({ before: this.oldest, limit: PAGE })}`);
      this.add(page.messages);
      this.earlier.hidden = !page.has_more;
      first?.scrollIntoView({ block: 'start' });
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
      if (!this.closed) this.add(page.messages);
    } catch (error) {
      if (error.status === 404 || error.status === 409) this.removed();
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
      this.top.back,
      this.top.heading,
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
    const author = mine ? 'Вы' : personName(this.chat.organisation_id, message.author_id);
    const node = h('li', { class: `msg${mine ? ' mine' : ''}${message.deleted ? ' deleted' : ''}`, 'data-seq': String(message.seq) });
    const header = h(
      'p',
      { class: 'msg-head meta' },
      h('span', { class: 'author' }, author),
      ' · ',
      h('time', { datetime: message.created_at || '' }, when(message.created_at)),
      message.edited_at && !message.deleted ? ' · изменено' : null,
    );
    node.append(header);
    if (message.reply_to_seq) node.append(this.quote(message.reply_to_seq));
    if (message.deleted) {
      node.append(h('p', { class: 'text muted' }, 'Сообщение удалено'));
      return node;
    }
    // A poll's text is its question, shown as the poll's legend (polls.js).
    node.append(message.poll ? pollBlock(this, message) : messageText(message.text));
    node.append(attachmentsNode(message.attachments)); // files: thumbnails and download links (attachments.js)
    const seen = seenLine(message); // «Просмотров: N» under channel posts, for those who run the channel
    if (seen) node.append(seen);
    const actions = h('div', { class: 'msg-actions' });
    if (this.chat.may_post) {
      actions.append(this.action('Ответить', `Ответить на сообщение: ${excerpt(message.text)}`, () => this.startReply(message)));
    }
    if (mine) {
      // A poll's question is not edited once people vote on it (R-CHAT-3).
      if (!message.poll) actions.append(this.action('Изменить', `Изменить сообщение: ${excerpt(message.text)}`, () => this.startEdit(message, node)));
      actions.append(this.action('Удалить', `Удалить сообщение: ${excerpt(message.text)}`, () => this.remove(message)));
    }
    if (actions.childElementCount) node.append(actions);
    return node;
  }

  action(text, label, run) {
    const button = h('button', { type: 'button', class: 'link', 'aria-label': label }, text);
    button.addEventListener('click', run);
    return button;
  }

  quote(seq) {
    const original = this.messages.get(seq);
    const text = original ? (original.deleted ? 'Сообщение удалено' : excerpt(original.text, 120)) : `сообщение № ${seq}`;
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
    edit.input.focus();
  }

  // --- the composer --------------------------------------------------------------------------
  composer() {
    const input = field(
      'Сообщение',
      { name: 'text', rows: 2, maxlength: 4000, id: 'composer-text' },
      { kind: 'textarea', hint: 'Enter — отправить, Shift+Enter — новая строка.' },
    );
    this.textarea = input.input;
    this.replyBox = h('div', { class: 'replying', hidden: true });
    const send = h('button', { type: 'submit', class: 'primary' }, 'Отправить');
    const messages = messageArea();
    const composer = h('form', { class: 'composer', 'aria-label': 'Новое сообщение', novalidate: true }, this.replyBox, input.row, h('div', { class: 'actions' }, pollButton(this), send), messages.el);
    this.picker = attachmentPicker(this.chat.id); // «Прикрепить файл» and the files to send (attachments.js)
    input.row.after(this.picker.el);
    composer.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = this.textarea.value.trim();
      const files = this.picker.ids();
      if ((!text && !files.length) || send.disabled) return;
      if (this.picker.busy()) {
        messages.error(new Error('Дождитесь, пока файлы загрузятся'));
        return;
      }
      send.disabled = true;
      messages.clear();
      try {
        const body = { text };
        if (this.replyTo) body.reply_to_seq = this.replyTo.seq;
        if (files.length) body.attachment_ids = files;
        const posted = await api.post(`/chats/${this.chat.id}/messages`, body);
        this.textarea.value = '';
        this.picker.clear();
        this.cancelReply();
        this.readMark = Math.max(this.readMark, posted.seq); // sending moves my own read mark
        this.add([posted]);
        this.scrollDown();
        this.poll(); // anything others sent meanwhile
      } catch (error) {
        messages.error(error);
      } finally {
        send.disabled = false;
        this.textarea.focus();
      }
    });
    this.textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      } else if (event.key === 'Escape' && this.replyTo) {
        this.cancelReply();
      }
    });
    return composer;
  }

  startReply(message) {
    this.replyTo = message;
    const cancel = h('button', { type: 'button', class: 'link' }, 'Отменить ответ');
    cancel.addEventListener('click', () => {
      this.cancelReply();
      this.textarea.focus();
    });
    replace(this.replyBox, h('p', { class: 'quote' }, h('span', { class: 'meta' }, 'Ответ на: '), excerpt(message.text, 120)), cancel);
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
