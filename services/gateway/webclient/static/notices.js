// Notices for the person signed in, from the live connection: a decision about their join request,
// an answer to their support request, and — for administrators and class teachers — a new join or
// support request to look at. Each shows a short toast (role=status, read out by screen readers),
// is counted per organisation and kind, and is announced to the screens as a DOM event:
//
//   window.addEventListener('parta:notice', (event) => event.detail);
//     // { kind, organisation_id, id, text, count }   count: unseen notices of that kind there
//
// Kinds: join_request.created, join_request.approved, join_request.rejected,
// support_request.created, support_request.answered.
//
//   startNotices(onNotice?)   start listening (once per page; again after a new sign-in); returns a stop
//   noticeCount(orgId, kind)  unseen notices of that kind in that organisation
//   clearNotices(orgId, kind) the screen showing them was opened: count back to 0 (fires parta:notice-cleared)
import { h } from './dom.js';
import { live } from './live.js';

const TOAST_MS = 8000;
const MAX_TOASTS = 3;

const counts = new Map(); // `${organisation_id} ${kind}` → unseen count
const callbacks = new Set();
let stopListening = null;

const key = (organisationId, kind) => `${organisationId || ''} ${kind}`;

export function noticeCount(organisationId, kind) {
  return counts.get(key(organisationId, kind)) || 0;
}

export function clearNotices(organisationId, kind) {
  counts.delete(key(organisationId, kind));
  window.dispatchEvent(new CustomEvent('parta:notice-cleared', { detail: { organisation_id: organisationId, kind } }));
}

function toasts() {
  let region = document.getElementById('notice-toasts');
  if (!region) {
    region = h('div', { id: 'notice-toasts', class: 'notice-toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(region);
  }
  return region;
}

/** A toast with the notice's text; it goes by itself after a few seconds, or by its button. */
export function showToast(text) {
  const region = toasts();
  const close = h('button', { type: 'button', class: 'secondary small', 'aria-label': 'Закрыть уведомление' }, '×');
  const toast = h('div', { class: 'alert ok notice-toast' }, h('span', { class: 'text' }, text), close);
  close.addEventListener('click', () => toast.remove());
  region.appendChild(toast);
  while (region.children.length > MAX_TOASTS) region.firstElementChild.remove();
  window.setTimeout(() => toast.remove(), TOAST_MS);
  return toast;
}

function receive(frame) {
  if (frame?.type !== 'notice' || typeof frame.text !== 'string' || !frame.text) return;
  const id = key(frame.organisation_id, frame.kind);
  const count = (counts.get(id) || 0) + 1;
  counts.set(id, count);
  const notice = { kind: frame.kind, organisation_id: frame.organisation_id || '', id: frame.id || '', text: frame.text, count };
  showToast(notice.text);
  for (const callback of [...callbacks]) {
    try {
      callback(notice);
    } catch (error) {
      console.error(error);
    }
  }
  window.dispatchEvent(new CustomEvent('parta:notice', { detail: notice }));
}

/** Listen for notices on the page's live connection (idempotent). Returns a stop for `onNotice`. */
export function startNotices(onNotice) {
  if (onNotice) callbacks.add(onNotice);
  if (!stopListening) stopListening = live().listen(receive);
  return () => {
    if (onNotice) callbacks.delete(onNotice);
  };
}

window.addEventListener('parta:signed-out', () => {
  stopListening?.();
  stopListening = null;
  counts.clear();
  document.getElementById('notice-toasts')?.remove();
});
