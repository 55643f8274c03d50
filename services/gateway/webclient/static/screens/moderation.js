// A chat's moderation (R-MOD-1..5), `/chats/<id>/moderation`, for its moderators and the
// organisation's administrators: name a moderator; record a violation citing a numbered rule and
// list them; block a member (more than three violations, at most 30 days — the server refuses
// otherwise and its message is shown); the blocks holding now with «Снять досрочно» and a reason;
// remove a member citing a rule; the audit log, newest first. Everyone else is told it is not theirs.
// In the chat view (chatNotes): the link, my reminders, my block, and for moderators «Удалить как
// модератор» on others' messages.
import { api, query } from '../api.js';
import { h, replace } from '../dom.js';
import { nameOf, personName } from '../names.js';
import { field, messageArea, section, STAFF_ROLES, when } from '../ui.js';

const MAX_BLOCK_DAYS = 30; // R-MOD-3
const AUDIT_PAGE = 20;

export const AUDIT_TITLES = {
  'moderator.named': 'Назначен модератор',
  'message.removed': 'Удалено сообщение',
  'violation.recorded': 'Записано нарушение',
  'member.blocked': 'Заблокирован',
  'block.lifted': 'Блокировка снята досрочно',
  'member.removed': 'Исключён из чата',
};

/** The end of a block, as a <time> with the ISO date kept for machines. */
export function until(iso) {
  return h('time', { datetime: iso || '', class: 'block-end' }, when(iso));
}

/** Numbered rules as select options: "2. Уважайте собеседников". */
function ruleOptions(chat) {
  return chat.rules.map((text, index) => [String(index + 1), `${index + 1}. ${text}`]);
}

/** A select of people whose option texts become names as they arrive. */
function peopleSelect(label, org, ids, props, extra = () => '') {
  const made = field(label, { required: true, ...props }, { kind: 'select', options: ids.map((id) => [id, `Участник ${id.slice(0, 8)}${extra(id)}`]) });
  for (const option of made.input.options) {
    nameOf(org, option.value).then((name) => { option.textContent = `${name}${extra(option.value)}`; });
  }
  return made;
}

function submitRow(text, kind = 'primary') {
  return h('div', { class: 'actions' }, h('button', { type: 'submit', class: kind }, text));
}

/** A form in a fieldset with a legend; `work` runs on submit, errors go to its own messages. */
function fieldsetForm(legend, children, work, messages) {
  const el = h('form', { class: 'stack', novalidate: true }, h('fieldset', {}, h('legend', {}, legend), ...children), messages.el);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!el.checkValidity()) {
      el.reportValidity();
      return;
    }
    const button = el.querySelector('button[type=submit]');
    button.disabled = true;
    messages.clear();
    try {
      await work();
    } catch (error) {
      messages.error(error);
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

export async function render(main, ctx, chatId) {
  const chat = await api.get(`/chats/${encodeURIComponent(chatId)}`);
  const screen = new ModerationScreen(main, ctx, chat);
  await screen.draw();
}

class ModerationScreen {
  constructor(main, ctx, chat) {
    Object.assign(this, { main, ctx, chat });
    this.org = chat.organisation_id;
    this.me = ctx.state.me?.id || '';
    this.base = `/chats/${chat.id}`;
  }

  heading() {
    return [
      h('p', { class: 'back' }, h('a', { href: this.base, 'data-link': true }, '← В чат')),
      h('h1', {}, `Модерация: ${this.chat.title}`),
    ];
  }

  /** Load everything and (re)build the screen; `flash` is a confirmation shown on top. */
  async draw(flash = '') {
    let data;
    try {
      const [violations, blocks, members, audit] = await Promise.all([
        api.get(`${this.base}/violations`),
        api.get(`${this.base}/blocks`),
        api.get(`${this.base}/members`),
        api.get(`${this.base}/audit${query({ limit: AUDIT_PAGE })}`),
      ]);
      data = { violations: violations.violations, blocks: blocks.blocks, members: members.members, audit };
    } catch (error) {
      if (error.status === 403) {
        replace(
          this.main,
          ...this.heading(),
          h('div', { class: 'alert warn', role: 'note' }, h('p', {}, 'Модерацией занимаются модераторы чата и администраторы организации.')),
        );
        return;
      }
      throw error;
    }
    this.data = data;
    const top = h('div', { class: 'alert ok', role: 'status', tabindex: '-1' }, flash);
    replace(
      this.main,
      ...this.heading(),
      h('p', { class: 'lead' }, 'Модераторы удаляют лишнее, записывают нарушения правил чата, блокируют и исключают участников. Каждое действие ссылается на правило и попадает в журнал.'),
      flash ? top : null,
      h('div', { class: 'moderation' },
        this.violationsSection(),
        this.blocksSection(),
        this.removeSection(),
        this.moderatorsSection(),
        this.auditSection()),
    );
    if (flash) top.focus();
  }

  others() {
    return this.data.members.map((m) => m.user_id).filter((id) => id !== this.me);
  }

  countOf(id) {
    return this.data.violations.filter((v) => v.user_id === id).length;
  }

  // --- R-MOD-2 ---------------------------------------------------------------------------------
  violationsSection() {
    const messages = messageArea();
    const others = this.others();
    const who = peopleSelect('Участник', this.org, others, { name: 'violation_user' });
    const rule = field('Нарушенное правило', { name: 'violation_rule', required: true }, { kind: 'select', options: ruleOptions(this.chat) });
    const comment = field('Комментарий', { name: 'violation_comment', maxlength: '1000', rows: 2 }, { kind: 'textarea', hint: 'Участник увидит запись как напоминание о правилах.' });
    const record = others.length
      ? fieldsetForm('Записать нарушение', [who.row, rule.row, comment.row, submitRow('Записать нарушение')], async () => {
          await api.post(`${this.base}/violations`, { user_id: who.input.value, rule: Number(rule.input.value), comment: comment.input.value.trim() });
          await this.draw('Нарушение записано');
        }, messages)
      : h('p', { class: 'muted' }, 'В чате нет других участников.');
    const list = [...this.data.violations].sort((a, b) => (b.created_at || '').localeCompare(a.created_at || ''));
    return section(
      'Нарушения',
      record,
      list.length === 0
        ? h('p', { class: 'muted' }, 'Нарушений не записано.')
        : h('ul', { class: 'rows', 'aria-label': 'Записанные нарушения' }, list.map((v) => h('li', { class: 'item column violation' },
            h('div', {},
              h('strong', {}, personName(this.org, v.user_id)),
              h('div', {}, `Правило ${v.rule}: ${v.rule_text}`),
              v.comment ? h('p', { class: 'quote' }, v.comment) : null,
              h('div', { class: 'meta' }, 'Записал(а): ', personName(this.org, v.recorded_by), ` · ${when(v.created_at)}`))))),
    );
  }

  // --- R-MOD-3, R-MOD-4 ------------------------------------------------------------------------
  blocksSection() {
    const messages = messageArea();
    const others = this.others();
    const count = (id) => ` — нарушений: ${this.countOf(id)}`;
    const who = peopleSelect('Участник', this.org, others, { name: 'block_user' }, count);
    const days = field('Срок, дней', { name: 'block_days', type: 'number', min: '1', max: String(MAX_BLOCK_DAYS), value: '7', required: true, inputmode: 'numeric' }, { hint: `От 1 до ${MAX_BLOCK_DAYS} дней.` });
    const reason = field('Причина', { name: 'block_reason', required: true, maxlength: '1000' });
    const explain = h(
      'p',
      { class: 'hint' },
      'Заблокировать можно участника, у которого в этом чате записано больше трёх нарушений, — не дольше чем на 30 дней.',
    );
    const block = others.length
      ? fieldsetForm('Заблокировать участника', [explain, who.row, days.row, reason.row, submitRow('Заблокировать', 'danger')], async () => {
          const made = await api.post(`${this.base}/blocks`, { user_id: who.input.value, days: Number(days.input.value), reason: reason.input.value.trim() });
          await this.draw(`Участник заблокирован до ${when(made.ends_at)}`);
        }, messages)
      : null;
    return section(
      'Блокировки',
      block,
      h('h3', {}, 'Действующие блокировки'),
      this.data.blocks.length === 0
        ? h('p', { class: 'muted' }, 'Действующих блокировок нет.')
        : h('ul', { class: 'rows', 'aria-label': 'Действующие блокировки' }, this.data.blocks.map((b) => this.blockItem(b))),
    );
  }

  blockItem(block) {
    const messages = messageArea();
    const actions = h('div', { class: 'actions' });
    const lift = h('button', { type: 'button', class: 'small' }, 'Снять досрочно');
    lift.addEventListener('click', () => {
      const reason = field('Почему блокировка снимается досрочно', { name: 'lift_reason', required: true, maxlength: '1000', placeholder: 'Участник извинился, никто не возражает' });
      replace(actions, fieldsetForm('Снять блокировку досрочно', [reason.row, submitRow('Снять блокировку')], async () => {
        await api.post(`${this.base}/blocks/${block.user_id}:lift`, { reason: reason.input.value.trim() });
        await this.draw('Блокировка снята');
      }, messages));
      reason.input.focus();
    });
    actions.append(lift);
    return h('li', { class: 'item column block' },
      h('div', {},
        h('strong', {}, personName(this.org, block.user_id)),
        h('div', {}, 'До ', until(block.ends_at)),
        h('div', { class: 'meta' }, `Причина: ${block.reason}`)),
      actions);
  }

  // --- R-MOD-5 ---------------------------------------------------------------------------------
  removeSection() {
    const messages = messageArea();
    const others = this.others();
    if (!others.length) return section('Исключить из чата', h('p', { class: 'muted' }, 'В чате нет других участников.'));
    const who = peopleSelect('Участник', this.org, others, { name: 'remove_user' });
    const rule = field('Нарушенное правило', { name: 'remove_rule', required: true }, { kind: 'select', options: ruleOptions(this.chat) });
    const reason = field('Причина', { name: 'remove_reason', required: true, maxlength: '1000' });
    return section(
      'Исключить из чата',
      fieldsetForm('Исключить участника', [h('p', { class: 'hint' }, 'Исключение ссылается на нарушенное правило и причину.'), who.row, rule.row, reason.row, submitRow('Исключить', 'danger')], async () => {
        await api.post(`${this.base}/members/${who.input.value}:remove`, { rule: Number(rule.input.value), reason: reason.input.value.trim() });
        await this.draw('Участник исключён из чата');
      }, messages),
    );
  }

  // --- R-MOD-1 ---------------------------------------------------------------------------------
  moderatorsSection() {
    const messages = messageArea();
    const others = this.others();
    if (!others.length) return section('Модераторы', h('p', { class: 'muted' }, 'В чате нет других участников.'));
    const who = peopleSelect('Сотрудник', this.org, others, { name: 'moderator_user' });
    return section(
      'Модераторы',
      fieldsetForm('Назначить модератора', [h('p', { class: 'hint' }, 'Модератором может стать сотрудник организации, состоящий в чате.'), who.row, submitRow('Назначить')], async () => {
        await api.post(`${this.base}/moderators`, { user_id: who.input.value });
        await this.draw('Модератор назначен');
      }, messages),
    );
  }

  auditSection() {
    const list = h('ul', { class: 'rows audit', 'aria-label': 'Журнал модерации' });
    const more = h('button', { type: 'button', class: 'secondary' }, 'Показать ещё');
    const messages = messageArea();
    const add = (page) => {
      list.append(...page.entries.map((e) => this.auditItem(e)));
      more.hidden = !page.next_before;
      more.dataset.before = String(page.next_before || '');
    };
    more.addEventListener('click', async () => {
      more.disabled = true;
      try {
        add(await api.get(`${this.base}/audit${query({ before: more.dataset.before, limit: AUDIT_PAGE })}`));
      } catch (error) {
        messages.error(error);
      } finally {
        more.disabled = false;
      }
    });
    add(this.data.audit);
    return section('Журнал модерации', this.data.audit.entries.length ? list : h('p', { class: 'muted' }, 'Записей пока нет.'), more, messages.el);
  }

  auditItem(entry) {
    const details = [];
    if (entry.rule) details.push(`правило ${entry.rule}`);
    if (entry.message_seq) details.push(`сообщение № ${entry.message_seq}`);
    if (entry.reason) details.push(entry.reason);
    return h('li', { class: 'item column' },
      h('div', {},
        h('strong', {}, AUDIT_TITLES[entry.action] || entry.action, entry.target_user_id ? ': ' : '', entry.target_user_id ? personName(this.org, entry.target_user_id) : null),
        entry.block_ends_at ? h('div', {}, 'До ', until(entry.block_ends_at)) : null,
        details.length ? h('div', {}, details.join(' · ')) : null,
        h('div', { class: 'meta' }, personName(this.org, entry.actor_id), ` · ${when(entry.created_at)}`)));
  }
}

/** What the chat view shows of moderation: «Модерация» for the chat's moderators and the
 * organisation's administrators, my reminders (R-MOD-2) and, while I am blocked, why the composer
 * is closed and until when (R-MOD-3). Quiet on any failure: the chat works without it. */
export async function chatNotes(main, ctx, chat, { link, notes: anchor }) {
  const me = ctx.state.me?.id;
  if (!me) return;
  const org = ctx.state.orgs.find((o) => o.id === chat.organisation_id);
  const mayModerate = (org?.my_roles || []).some((role) => STAFF_ROLES.has(role));
  const [violations, blocks, moderator] = await Promise.all([
    api.get(`/chats/${chat.id}/violations?user_id=${encodeURIComponent(me)}`).then((r) => r.violations, () => []),
    api.get(`/chats/${chat.id}/blocks?user_id=${encodeURIComponent(me)}`).then((r) => r.blocks, () => []),
    mayModerate ? api.get(`/chats/${chat.id}/audit?limit=1`).then(() => true, () => false) : false,
  ]);
  if (!main.isConnected) return;
  const notes = h('div', { class: 'moderation-notes' });
  if (moderator) {
    link.append(h('p', {}, h('a', { href: `/chats/${chat.id}/moderation`, 'data-link': true, class: 'moderation-link' }, 'Модерация чата')));
  }
  if (violations.length) {
    notes.append(h('details', { class: 'alert warn reminders' },
      h('summary', {}, `Напоминание модератора: нарушений правил чата — ${violations.length}`),
      h('ul', {}, violations.map((v) => h('li', {}, `Правило ${v.rule}: ${v.rule_text}${v.comment ? ` — ${v.comment}` : ''} (${when(v.created_at)})`))),
      h('p', { class: 'hint' }, 'После четырёх нарушений модератор может заблокировать вас в этом чате.')));
  }
  if (notes.childElementCount) anchor.append(notes);
  if (moderator) removeButtons(main, ctx, chat);
  const block = blocks.find((b) => b.active);
  const composer = main.querySelector('form.composer');
  if (block && composer) {
    composer.prepend(h('div', { class: 'alert warn blocked-note', role: 'note' },
      h('p', {}, 'Вы заблокированы в этом чате до ', until(block.ends_at), '. Читать переписку можно, писать — после окончания блокировки.')));
    for (const control of composer.querySelectorAll('textarea, input, button')) control.disabled = true;
  }
}

/** R-MOD-1, R-MOD-5: for moderators, «Удалить как модератор» on others' messages in the chat view —
 * citing a rule and a reason; the tombstone keeps who and why. Added to each message as the view
 * draws it (a MutationObserver, so the chat view's own rendering stays as it is). */
function removeButtons(main, ctx, chat) {
  const history = main.querySelector('.history');
  if (!history) return;
  const decorate = () => {
    for (const node of history.querySelectorAll('li.msg:not(.mine):not(.deleted)')) {
      if (node.querySelector('.mod-remove') || node.querySelector('.mod-remove-form')) continue;
      const seq = node.dataset.seq;
      const button = h('button', { type: 'button', class: 'link mod-remove', 'aria-label': `Удалить как модератор сообщение № ${seq}` }, 'Удалить как модератор');
      button.addEventListener('click', () => openRemoval(node, button, chat, seq));
      let actions = node.querySelector('.msg-actions');
      if (!actions) {
        actions = h('div', { class: 'msg-actions' });
        node.append(actions);
      }
      actions.append(button);
    }
  };
  const observer = new MutationObserver(decorate);
  observer.observe(history, { childList: true });
  ctx.onLeave(() => observer.disconnect());
  decorate();
}

function openRemoval(node, button, chat, seq) {
  const messages = messageArea();
  const rule = field('Нарушенное правило', { name: 'remove_message_rule', required: true }, { kind: 'select', options: ruleOptions(chat) });
  const reason = field('Причина', { name: 'remove_message_reason', required: true, maxlength: '1000' });
  const cancel = h('button', { type: 'button', class: 'small' }, 'Отмена');
  const form = fieldsetForm(`Удалить сообщение № ${seq}`, [rule.row, reason.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger small' }, 'Удалить сообщение'), cancel)], async () => {
    await api.post(`/chats/${chat.id}/messages/${seq}:remove`, { rule: Number(rule.input.value), reason: reason.input.value.trim() });
    // The view redraws the message when the deletion reaches it (live); meanwhile, the tombstone.
    node.classList.add('deleted');
    replace(node, h('p', { class: 'text muted' }, `Сообщение удалено модератором: правило ${rule.input.value}`));
  }, messages);
  form.classList.add('mod-remove-form');
  cancel.addEventListener('click', () => {
    form.replaceWith(button);
    button.focus();
  });
  button.replaceWith(form);
  rule.input.focus();
}
