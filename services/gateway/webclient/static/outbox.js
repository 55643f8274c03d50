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

/** A UUID v4: the message's client id (the server stores a retried send once). */
function newId() {
  // crypto.randomUUID exists only in secure contexts (HTTPS, localhost); a school's LAN may be plain HTTP.
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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

  /** Keep a message to send; its id goes with it as `client_id`, so a retry is stored once. */
  push(body) {
    const id = newId();
    const item = { id, body: { ...body, client_id: id }, text: body.text, attachment_ids: body.attachment_ids || [], state: 'waiting', created_at: new Date().toISOString() };
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
