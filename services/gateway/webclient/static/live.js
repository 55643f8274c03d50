// Live chat updates over the gateway's WebSocket /api/v1/ws.
//
// Protocol: after open the client sends {"type":"auth","token"}; the server answers
// {"type":"ready","user_id"} (or {"type":"error","code":"unauthenticated"} and close 4401: the
// client refreshes its tokens and reconnects). Then {"type":"subscribe","chats":{id: last seq}};
// the server sends the catch-up and live frames: message, message_edited, message_deleted, poll_updated, removed,
// member_joined, read (my own read mark, from another device), chat_call (a call in the chat began,
// changed its head count or ended), error; {"type":"ping"} is answered with {"type":"pong"}. After a token refresh a fresh auth frame
// is sent. A lost connection is retried with backoff (1 s doubling to 30 s) and every chat is
// resubscribed with the last seq seen; messages are de-duplicated by seq.
// Calls (call.* frames, about no chat) use request(): a frame with an "id" whose answer (the frame
// with the same "id": call.answer, call.ok, call.offer or an error) settles its promise; a request
// made while the socket is down waits for it, one still unanswered when the socket drops fails.
//
// The API is small so that it can be tested with a fake socket:
//   const live = new LiveClient({ url, token, refresh, WebSocket, setTimeout, clearTimeout });
//   const off = live.subscribe(chatId, lastSeq, (frame) => ...);   // frames of that chat
//   const stop = live.listen((frame) => ...);   // frames about no chat (e.g. notice): keeps the socket up
//   live.onStatus((status) => ...);   // 'connecting' | 'live' | 'down' | 'closed'
//   live.seen(chatId, seq);           // a message got by REST: do not deliver it again
//   const answer = await live.request({ type: 'call.subscribe', call_id, session_id });
//   live.post(frame);                 // a frame with no answer (call.ice, call.visible), sent when live
//   live.close();
import { ApiError, refreshSession, session } from './api.js';

export const MIN_DELAY = 1000;
export const MAX_DELAY = 30000;
export const REQUEST_TIMEOUT = 15000;
const UNAUTHENTICATED = 4401;
// The HTTP status an error frame's code stands for (api.js's ApiError speaks in statuses).
const STATUS_FOR_CODE = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  rule_refused: 409,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  timeout: 504,
};

/** ws(s)://<this host>/api/v1/ws */
export function defaultUrl(location = window.location) {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/ws`;
}

/** The next backoff delay after `delay` (1 s, 2 s, 4 s … 30 s). */
export function nextDelay(delay) {
  return Math.min(MAX_DELAY, delay ? delay * 2 : MIN_DELAY);
}

export class LiveClient {
  constructor({
    url = defaultUrl(),
    token = () => session()?.access_token || '',
    refresh = refreshSession,
    WebSocket: Socket = window.WebSocket,
    setTimeout: later = window.setTimeout.bind(window),
    clearTimeout: cancel = window.clearTimeout.bind(window),
  } = {}) {
    Object.assign(this, { url, token, refresh, Socket, later, cancel });
    this.chats = new Map(); // chat id → { seq, handlers: Set }
    this.statusHandlers = new Set();
    this.listeners = new Set(); // handlers of frames about no chat (notice, ...)
    this.status = 'down';
    this.socket = null;
    this.delay = 0;
    this.timer = null;
    this.closed = false;
    this.requests = new Map(); // request id → { resolve, reject, timer }
    this.outgoing = []; // frames waiting for the socket to be live
    this.requestCount = 0;
  }

  /**
   * Send `frame` with a fresh "id" and resolve with the server's frame of the same id (reject with
   * an ApiError for an error frame, a timeout or a lost connection). Waits for the socket when down.
   */
  request(frame, { timeout = REQUEST_TIMEOUT } = {}) {
    this.requestCount += 1;
    const id = `r${this.requestCount}`;
    return new Promise((resolve, reject) => {
      const timer = this.later(() => {
        this.requests.delete(id);
        this.outgoing = this.outgoing.filter((queued) => queued.id !== id);
        reject(new ApiError(504, { code: 'timeout', message: 'Сервер не ответил вовремя. Попробуйте ещё раз.' }));
      }, timeout);
      this.requests.set(id, { resolve, reject, timer });
      this.post({ ...frame, id });
    });
  }

  /** Send a frame that has no answer now if the socket is live, else as soon as it is. */
  post(frame) {
    if (this.status === 'live') this.send(frame);
    else {
      this.outgoing.push(frame);
      this.connect();
    }
  }

  /** Follow a chat from `lastSeq` on; `handler(frame)` gets its frames. Returns the unsubscribe. */
  subscribe(chatId, lastSeq, handler) {
    let entry = this.chats.get(chatId);
    if (!entry) {
      entry = { seq: lastSeq || 0, handlers: new Set() };
      this.chats.set(chatId, entry);
    }
    entry.seq = Math.max(entry.seq, lastSeq || 0);
    entry.handlers.add(handler);
    if (this.status === 'live') this.send({ type: 'subscribe', chats: { [chatId]: entry.seq } });
    else this.connect();
    return () => {
      entry.handlers.delete(handler);
      if (entry.handlers.size === 0) {
        this.chats.delete(chatId);
        if (this.status === 'live') this.send({ type: 'unsubscribe', chats: [chatId] });
      }
    };
  }

  /** Frames that are about no chat (e.g. {"type":"notice"}) go to `handler`; the connection is kept
   *  (and retried) while anyone listens. Returns the stop. */
  listen(handler) {
    this.listeners.add(handler);
    this.connect();
    return () => this.listeners.delete(handler);
  }

  /** A message seen by other means (REST): remember its seq so the socket does not repeat it. */
  seen(chatId, seq) {
    const entry = this.chats.get(chatId);
    if (entry && seq > entry.seq) entry.seq = seq;
  }

  lastSeq(chatId) {
    return this.chats.get(chatId)?.seq ?? 0;
  }

  onStatus(handler) {
    this.statusHandlers.add(handler);
    handler(this.status);
    return () => this.statusHandlers.delete(handler);
  }

  /** Send a fresh auth frame (after the tokens were refreshed elsewhere). */
  reauthenticate() {
    if (this.socket && this.socket.readyState === 1) this.send({ type: 'auth', token: this.token() });
  }

  close() {
    this.closed = true;
    this.cancel(this.timer);
    this.timer = null;
    this.chats.clear();
    this.failRequests();
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000);
    this.setStatus('closed');
  }

  // --- internals -------------------------------------------------------------------------------
  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    for (const handler of [...this.statusHandlers]) handler(status);
  }

  send(frame) {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(frame));
  }

  /** The socket dropped (or was closed): the server will not answer its requests on a new one. */
  failRequests() {
    const waiting = [...this.requests.values()];
    this.requests.clear();
    this.outgoing = [];
    for (const { reject, timer } of waiting) {
      this.cancel(timer);
      reject(new ApiError(503, { code: 'unavailable', message: 'Связь с сервером прервалась. Попробуйте ещё раз.' }));
    }
  }

  /** The answer to one of my requests: settle it. */
  settle(frame) {
    const waiting = this.requests.get(frame.id);
    this.requests.delete(frame.id);
    this.cancel(waiting.timer);
    if (frame.type === 'error') {
      waiting.reject(new ApiError(STATUS_FOR_CODE[frame.code] || 400, { code: frame.code, message: frame.message, rule: frame.rule }));
    } else {
      waiting.resolve(frame);
    }
  }

  connect() {
    if (this.closed || this.socket || this.timer || !this.token()) return;
    this.setStatus('connecting');
    let socket;
    try {
      socket = new this.Socket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    let unauthenticated = false;
    socket.onopen = () => this.send({ type: 'auth', token: this.token() });
    socket.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.type === 'error' && frame.code === 'unauthenticated' && !frame.chat_id) unauthenticated = true;
      this.receive(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.closed) return;
      this.setStatus('down');
      this.failRequests();
      if (event.code === UNAUTHENTICATED || unauthenticated) {
        // The access token expired: refresh it (api.js signs out when that fails), then reconnect.
        Promise.resolve(this.refresh()).then((ok) => {
          if (ok) this.retry();
        });
      } else {
        this.retry();
      }
    };
    socket.onerror = () => {}; // onclose follows
  }

  retry() {
    if (this.closed || this.timer || (this.chats.size === 0 && this.listeners.size === 0 && this.requests.size === 0)) return;
    this.delay = nextDelay(this.delay);
    this.timer = this.later(() => {
      this.timer = null;
      this.connect();
    }, this.delay);
  }

  receive(frame) {
    if (frame.id && this.requests.has(frame.id)) {
      this.settle(frame);
      return;
    }
    switch (frame.type) {
      case 'ready': {
        this.delay = 0;
        this.setStatus('live');
        const chats = {};
        for (const [id, entry] of this.chats) chats[id] = entry.seq;
        if (Object.keys(chats).length) this.send({ type: 'subscribe', chats });
        const waiting = this.outgoing;
        this.outgoing = [];
        for (const queued of waiting) this.send(queued);
        return;
      }
      case 'ping':
        this.send({ type: 'pong' });
        return;
      case 'message': {
        const entry = this.chats.get(frame.chat_id);
        const seq = frame.message?.seq;
        if (!entry || !seq || seq <= entry.seq) return; // a repeat (catch-up after REST): skip it
        entry.seq = seq;
        this.deliver(entry, frame);
        return;
      }
      case 'removed': {
        const entry = this.chats.get(frame.chat_id);
        if (!entry) return;
        this.chats.delete(frame.chat_id);
        this.deliver(entry, frame);
        return;
      }
      default: {
        // message_edited, message_deleted, errors about one chat.
        const entry = frame.chat_id ? this.chats.get(frame.chat_id) : null;
        if (entry) this.deliver(entry, frame);
        else if (!frame.chat_id) this.deliver({ handlers: this.listeners }, frame);
      }
    }
  }

  deliver(entry, frame) {
    for (const handler of [...entry.handlers]) {
      try {
        handler(frame);
      } catch (error) {
        console.error(error); // one screen's bug must not stop the others' updates
      }
    }
  }
}

let shared = null;

/** The page's one connection (created on first use; closed on sign-out). */
export function live() {
  if (!shared || shared.closed) shared = new LiveClient();
  return shared;
}

window.addEventListener('parta:tokens-refreshed', () => shared?.reauthenticate());
window.addEventListener('parta:signed-out', () => {
  shared?.close();
  shared = null;
});
