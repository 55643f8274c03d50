// What this browser keeps for a chat between visits (localStorage): the draft being typed, and
// the outbox — messages the person sent that the server has not confirmed yet. They survive a
// reload and a lost connection; the chat view sends them again, in order, when it can.

const DRAFT = 'parta.draft.';
const OUTBOX = 'parta.outbox.';

function read(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key) || 'null') ?? fallback;
  } catch {
    return fallback;
  }
}

function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // A full or disabled storage: the draft or outbox lives only as long as the page.
  }
}

export function loadDraft(chatId) {
  return read(DRAFT + chatId, '') || '';
}

export function saveDraft(chatId, text) {
  write(DRAFT + chatId, text ? text : null);
}

function newId() {
  // crypto.randomUUID exists only in secure contexts (HTTPS, localhost); a school's LAN may be plain HTTP.
  return globalThis.crypto?.randomUUID?.() || `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** The unsent messages of one chat, oldest first: {id, body, state, created_at}. */
export class Outbox {
  constructor(chatId) {
    this.key = OUTBOX + chatId;
  }

  items() {
    const items = read(this.key, []);
    return Array.isArray(items) ? items : [];
  }

  failed() {
    return this.items().filter((item) => item.state === 'failed');
  }

  save(items) {
    write(this.key, items.length ? items : null);
  }

  push(body) {
    const item = { id: newId(), body, text: body.text, attachment_ids: body.attachment_ids || [], state: 'waiting', created_at: new Date().toISOString() };
    this.save([...this.items(), item]);
    return item;
  }

  update(id, changes) {
    this.save(this.items().map((item) => (item.id === id ? { ...item, ...changes } : item)));
  }

  remove(id) {
    this.save(this.items().filter((item) => item.id !== id));
  }
}

/** Forget every draft and outbox (signing out on a shared computer). */
export function forgetAll() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(DRAFT) || key.startsWith(OUTBOX)) localStorage.removeItem(key);
  }
}
