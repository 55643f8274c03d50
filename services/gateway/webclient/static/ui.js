// Shared pieces of the screens: labelled fields, error and status messages, role names, dates.
import { ApiError, errorText } from './api.js';
import { h, replace, uid } from './dom.js';

export const ROLE_TITLES = {
  administrator: 'администратор',
  head: 'руководитель',
  administration: 'администрация',
  teacher: 'учитель',
  class_teacher: 'классный руководитель',
  educator: 'воспитатель',
  student: 'ученик',
  parent: 'родитель',
};
export const KIND_TITLES = {
  school: 'Школа',
  kindergarten: 'Детский сад',
  additional_education: 'Центр дополнительного образования',
};
export const CLASS_KIND_TITLES = { class: 'класс', group: 'группа', association: 'объединение', staff_room: 'учительская' };

export const roleTitle = (role) => ROLE_TITLES[role] || role;

/** The roles of an organisation's staff (R-ROLE-1): who may create chats, invite, moderate. */
export const STAFF_ROLES = new Set(['administrator', 'head', 'administration', 'teacher', 'class_teacher', 'educator']);

/** A date and time in Russian, or a dash. */
export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleString('ru-RU', { dateStyle: 'short', timeStyle: 'short' });
}

/** A labelled input: returns {row, input}. `kind` is input, textarea or select. */
export function field(label, props = {}, { kind = 'input', hint = '', options = [] } = {}) {
  const id = props.id || uid('f');
  const hintId = hint ? `${id}-hint` : null;
  const children = kind === 'select' ? options.map(([value, text]) => h('option', { value }, text)) : [];
  const input = h(kind, { ...props, id, 'aria-describedby': hintId || undefined }, ...children);
  const row = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
  );
  return { row, input };
}

/** A checkbox with its label to the right. */
export function checkbox(label, props = {}) {
  const id = props.id || uid('c');
  const input = h('input', { ...props, id, type: 'checkbox' });
  return { row: h('div', { class: 'check' }, input, h('label', { for: id }, label)), input };
}

/**
 * The error of a failed call, as a visible alert. The rule it cites stays in `data-rule` (for
 * support and tests): people read the reason, never a rule code.
 */
export function errorBox(error) {
  const rule = error instanceof ApiError ? error.rule : null;
  return h('div', { class: 'alert error', role: 'alert', 'data-rule': rule || undefined }, h('span', {}, errorText(error)));
}

/** After an action its outcome is on the screen, not below the fold (a phone's keyboard, a long form). */
function reveal(el) {
  if (el.isConnected) el.scrollIntoView({ block: 'nearest' });
}

/** A place for one message: show(error | text) and clear(). */
export function messageArea() {
  const el = h('div', { class: 'messages', 'aria-live': 'polite' });
  return {
    el,
    error(error) {
      replace(el, errorBox(error));
      reveal(el);
    },
    ok(text) {
      replace(el, h('div', { class: 'alert ok', role: 'status' }, text));
      reveal(el);
    },
    clear() {
      replace(el);
    },
  };
}

/** Run `work` with the button disabled; errors go to `messages` (when given). */
export async function busy(button, work, messages) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  messages?.clear();
  try {
    return await work();
  } catch (error) {
    if (messages) messages.error(error);
    else throw error;
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * A form whose submit runs `work` (with its submit button busy). A refusal about one field (the
 * server's `error.field`, when it names an input of this form by its `name`) is shown under that
 * field, which is marked invalid and focused; any other error goes to `messages`.
 */
export function form(props, children, work, messages) {
  const el = h('form', { ...props, novalidate: true }, ...children);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(el);
    if (!el.checkValidity()) {
      el.reportValidity();
      return;
    }
    const button = el.querySelector('button[type=submit]') || el;
    await busy(button, async () => {
      try {
        await work(el);
      } catch (error) {
        if (!showAtField(el, error)) throw error;
      }
    }, messages);
  });
  return el;
}

function clearFieldErrors(formEl) {
  for (const old of formEl.querySelectorAll('.field-alert')) old.remove(); // placed by showAtField only
  for (const input of formEl.querySelectorAll('[aria-invalid="true"]')) {
    input.removeAttribute('aria-invalid');
    const describedBy = (input.getAttribute('aria-describedby') || '').split(' ').filter((id) => id && !id.endsWith('-field-alert'));
    if (describedBy.length) input.setAttribute('aria-describedby', describedBy.join(' '));
    else input.removeAttribute('aria-describedby');
  }
}

/** The error under the field it is about; false when the form has no such field. */
function showAtField(formEl, error) {
  const name = error instanceof ApiError ? error.field : null;
  const input = name ? formEl.querySelector(`[name="${CSS.escape(name)}"]`) : null;
  const row = input?.closest('.field');
  if (!input || !row) return false;
  const box = errorBox(error);
  box.id = `${input.id || uid('f')}-field-alert`;
  box.classList.add('field-alert');
  row.append(box);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), box.id].filter(Boolean).join(' '));
  input.focus();
  reveal(box);
  return true;
}

/** Save a Blob as a file through a temporary link. */
export function download(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: fileName, class: 'visually-hidden' }, fileName);
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Only http(s) links are shown as links: a "javascript:" journal link never becomes one. */
export function safeUrl(raw) {
  try {
    const url = new URL(raw, window.location.origin);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/** A section with a heading (for screen readers: a labelled region). */
export function section(title, ...children) {
  const id = uid('s');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

export function badge(text, kind = '') {
  return h('span', { class: `badge ${kind}`.trim() }, text);
}

/** The current academic year as the server counts it: from August, the coming one. */
export function currentAcademicYear(now = new Date()) {
  const start = now.getMonth() >= 7 ? now.getFullYear() : now.getFullYear() - 1;
  return `${start}/${start + 1}`;
}

export function shortId(id) {
  return id ? `№ ${id.slice(0, 8)}` : '—';
}

/**
 * A number with its noun in the right Russian form: plural(2, ['ссылка', 'ссылки', 'ссылок'])
 * → «2 ссылки». The forms are for 1, 2–4 and 5–20 (and 11–14). The one helper for counts.
 */
export function plural(count, [one, few, many], { withNumber = true } = {}) {
  const n = Math.abs(Number(count)) % 100;
  const last = n % 10;
  let word = many;
  if (n < 11 || n > 14) {
    if (last === 1) word = one;
    else if (last >= 2 && last <= 4) word = few;
  }
  return withNumber ? `${count} ${word}` : word;
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** «Сегодня», «Вчера», «3 декабря» or «3 декабря 2025 г.»: the day separators of a chat. */
export function dayLabel(iso, now = new Date()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  if (sameDay(date, now)) return 'Сегодня';
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return 'Вчера';
  const options = { day: 'numeric', month: 'long' };
  if (date.getFullYear() !== now.getFullYear()) options.year = 'numeric';
  return date.toLocaleDateString('ru-RU', options);
}

/** The day a message belongs to, as a key for grouping («2026-12-03» in local time). */
export function dayKey(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/** «16:33»: a message's time. */
export function clock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleTimeString('ru-RU', { hour: '2-digit', minute: '2-digit' });
}

/** The time in a chats list row: «16:33» today, «вчера», «3 дек.», «03.12.2025» in another year. */
export function listTime(iso, now = new Date()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  if (sameDay(date, now)) return clock(iso);
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return 'вчера';
  if (date.getFullYear() === now.getFullYear()) return date.toLocaleDateString('ru-RU', { day: 'numeric', month: 'short' });
  return date.toLocaleDateString('ru-RU');
}
