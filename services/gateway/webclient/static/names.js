// Names of fellow members by id (R-PRIV-1: the server answers only within an organisation the
// viewer shares). Requests from one moment are batched into one call; answers are cached. A parent's
// name comes with who they are to their child («Ольга Смирнова, мама Миши Смирнова», R-ROLE-6).
import { api } from './api.js';
import { h } from './dom.js';

// Someone who never gave a name (every way in asks for it, so only accounts from before).
export const NO_NAME = 'Имя не указано';
// Someone the server does not show to this viewer (no longer a fellow member).
const HIDDEN = 'Участник';
const LOADING = '…';

const known = new Map(); // `${org}:${id}` → shown text, or null when the server left the id out
const waiting = new Map(); // org → Map(id → [resolve, ...])
let scheduled = false;

function fallback() {
  return HIDDEN;
}

/** What a person is shown as: the label (a parent's with their child), the name, or «Имя не указано». */
export function shownName(person) {
  return person.label || person.name || NO_NAME;
}

async function flush() {
  scheduled = false;
  const batches = [...waiting.entries()];
  waiting.clear();
  for (const [org, ids] of batches) {
    const all = [...ids.keys()];
    for (let start = 0; start < all.length; start += 100) {
      const chunk = all.slice(start, start + 100);
      const query = chunk.map((id) => `user_id=${encodeURIComponent(id)}`).join('&');
      let people = [];
      try {
        people = (await api.get(`/orgs/${org}/people?${query}`)).people;
      } catch {
        // Names are a courtesy: on failure the short id stays.
      }
      const found = new Map(people.map((p) => [p.user_id, shownName(p)]));
      for (const id of chunk) {
        const name = found.get(id) || null;
        known.set(`${org}:${id}`, name);
        for (const resolve of ids.get(id)) resolve(name || fallback());
      }
    }
  }
}

/** Forget the names known so far (a list being refreshed shows names changed since). */
export function forgetNames() {
  known.clear();
}

/** The name of a member of `org` (or «Участник» when it cannot be shown to this viewer). */
export function nameOf(org, id) {
  const key = `${org}:${id}`;
  if (known.has(key)) return Promise.resolve(known.get(key) || fallback());
  return new Promise((resolve) => {
    if (!waiting.has(org)) waiting.set(org, new Map());
    const ids = waiting.get(org);
    if (!ids.has(id)) ids.set(id, []);
    ids.get(id).push(resolve);
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 0);
    }
  });
}

/** A span showing the short id at once and the person's name when it arrives. */
export function personName(org, id) {
  const span = h('span', { class: 'person', 'data-user': id }, org && id ? LOADING : fallback());
  if (org && id) nameOf(org, id).then((name) => { span.textContent = name; });
  return span;
}
