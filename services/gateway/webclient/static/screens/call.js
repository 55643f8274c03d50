// A chat's call (/chats/<id>/call): joining (or starting) it, a grid of tiles with the active speaker
// highlighted, my microphone, camera and screen, a raised hand, the participant list with a
// moderator's «Выключить микрофон» and «Удалить из звонка», the choice of devices, and «Выйти».
// Only the chat's members get in (R-MEDIA-3: the server refuses the others and the page says why);
// a member who may not publish, or whose camera and microphone are refused, listens. A phone shows
// at most 4 video tiles and tells the SFU which (call.visible), so it receives no more video than it
// shows. The WebRTC is in call_media.js; live frames (call.participants, call.offer, call.speaker,
// call.muted, call.closed) come from live.js. Leaving the screen leaves the call and stops everything.
import { api, ApiError, session } from '../api.js';
import { CallMedia, openDevices } from '../call_media.js';
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { live } from '../live.js';
import { nameOf } from '../names.js';
import { errorBox, plural } from '../ui.js';

const PHONE = '(max-width: 759px)';
const PHONE_TILES = 4; // video tiles a phone shows (its own included)
const DESKTOP_TILES = 16;
const DEVICES_KEY = 'parta.call.devices';
// Someone sends but their track has not come for this long: the re-offer was lost, subscribe anew
// (at most once in RESUBSCRIBE_MS).
const MISSING_MS = 8000;
const RESUBSCRIBE_MS = 20000;

const REFUSED = {
  denied: 'доступ запрещён в браузере',
  missing: 'устройство не найдено',
  busy: 'устройство занято другой программой',
  failed: 'устройство недоступно',
};
const CLOSED = {
  left: 'Вы вышли из звонка.',
  removed: 'Модератор удалил вас из звонка.',
  call_ended: 'Звонок завершён.',
  access_lost: 'Вы больше не участник этого чата, поэтому звонок для вас закончился.',
  disconnected: 'Соединение со звонком потеряно.',
};
const MUTED = {
  microphone: 'Модератор выключил вам микрофон.',
  camera: 'Модератор выключил вам камеру.',
  screen: 'Модератор остановил показ вашего экрана.',
};

export async function render(main, ctx, chatId) {
  const view = new CallView(main, ctx, chatId);
  ctx.onLeave(() => view.stop());
  await view.start();
}

function savedDevices() {
  try {
    return JSON.parse(localStorage.getItem(DEVICES_KEY) || '{}') || {};
  } catch {
    return {};
  }
}

function initials(name) {
  const words = String(name || '').split(/\s+/).filter((w) => /\p{L}/u.test(w));
  return words.length ? words.slice(0, 2).map((w) => w[0].toUpperCase()).join('') : '•';
}

/** «05:07» or «1:02:03» since `iso`. */
export function duration(iso, now = Date.now()) {
  const start = new Date(iso).getTime();
  if (Number.isNaN(start)) return '';
  const seconds = Math.max(0, Math.floor((now - start) / 1000));
  const hh = Math.floor(seconds / 3600);
  const mm = String(Math.floor((seconds % 3600) / 60)).padStart(2, '0');
  const ss = String(seconds % 60).padStart(2, '0');
  return hh ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class CallView {
  constructor(main, ctx, chatId) {
    Object.assign(this, { main, ctx, chatId });
    this.participants = new Map(); // session id → Participant
    this.names = new Map(); // user id → name
    this.tiles = new Map(); // tile key ('<session>' or 'screen:<session>') → tile
    this.audio = new Map(); // session id → <audio>
    this.remote = new Map(); // `${session}:${source}` → received MediaStreamTrack
    this.order = []; // other sessions in the order they came (the speaker moves up when hidden)
    this.speaker = '';
    this.visibleSent = null;
    this.closed = false;
    this.left = false;
    this.stops = [];
  }

  // --- joining -------------------------------------------------------------------------------
  async start() {
    document.body.classList.add('call-open');
    replace(this.main, h('div', { class: 'call-screen' }, h('p', { class: 'call-wait', role: 'status' }, 'Подключаемся к звонку…')));
    this.chat = await this.load();
    let joined;
    try {
      joined = await this.joinCall();
    } catch (error) {
      this.refused(error);
      return;
    }
    if (this.closed) {
      this.sendLeave(joined.call.id, joined.me.session_id);
      return;
    }
    this.call = joined.call;
    this.me = joined.me;
    this.org = joined.call.organisation_id;
    for (const participant of joined.call.participants || []) this.participants.set(participant.session_id, participant);
    this.participants.set(this.me.session_id, this.me);
    this.order = [...this.participants.keys()].filter((id) => id !== this.me.session_id && this.shows(this.participants.get(id)));
    this.publish = Boolean(this.call.may_publish && this.me.may_publish);
    this.build();
    this.listen();
    this.media = new CallMedia({
      callId: this.call.id,
      sessionId: this.me.session_id,
      iceServers: joined.ice_servers,
      signal: live(),
      onTracks: (tracks) => this.received(tracks),
      onConnection: (role, state) => this.connection(role, state),
      onError: (error) => this.note(error),
    });
    const receiving = this.media.receive().catch((error) => this.note(error));
    let tracks = { microphone: null, camera: null, refused: {} };
    if (this.publish) {
      tracks = await openDevices({ devices: savedDevices() });
      if (this.closed) {
        tracks.microphone?.stop();
        tracks.camera?.stop();
        return;
      }
      this.sayRefused(tracks.refused);
    } else {
      this.note(this.listenOnlyText(), 'warn');
    }
    if (this.publish) {
      const sending = this.media.send(tracks);
      this.refreshControls();
      this.layout(); // my own tile shows my camera at once
      try {
        await Promise.all([sending, this.patch({ mic: Boolean(tracks.microphone), camera: Boolean(tracks.camera) })]);
      } catch (error) {
        if (!this.closed) this.note(error);
      }
    }
    await receiving;
    if (this.closed) return;
    this.refreshControls();
    this.layout();
    this.fillDevices();
  }

  // --- what a mode of the screen changes (a broadcast's screen, broadcast_call.js) ---------------
  /** What the call is in: the chat ({title, member}), or null. */
  load() {
    return api.get(`/chats/${encodeURIComponent(this.chatId)}`).catch(() => null);
  }

  /** Join (or start) the call: the call, my session, the ICE servers. */
  joinCall() {
    return api.post(`/chats/${encodeURIComponent(this.chatId)}/call`);
  }

  /** Where «Назад» and the end of the call lead. */
  backPath() {
    return `/chats/${this.chatId}`;
  }

  heading() {
    return this.chat?.title ? `Звонок в чате «${this.chat.title}»` : 'Звонок';
  }

  /** Why the call ended for me, in words. */
  closedText(reason) {
    return CLOSED[reason] || CLOSED.call_ended;
  }

  listenOnlyText() {
    return 'Вы можете только слушать и смотреть: выступать в этом чате вам сейчас нельзя.';
  }

  /** Whether another participant gets a tile (a broadcast shows its presenters only). */
  shows() {
    return true;
  }

  /** Whether my own tile is shown. */
  showsMe() {
    return true;
  }

  /** Not let in (R-MEDIA-3 and the like): why, in words, and the way back. */
  refused(error) {
    document.body.classList.remove('call-open');
    const back = this.chat?.member ? `/chats/${this.chatId}` : '/chats';
    replace(
      this.main,
      h('p', { class: 'back' }, h('a', { href: back, 'data-link': true }, this.chat?.member ? '← Назад в чат' : '← Все чаты')),
      h('h1', {}, this.heading()),
      errorBox(error),
    );
  }

  /** Say which device was refused, and that the call goes on without it. */
  sayRefused(refused) {
    const mic = refused.microphone;
    const cam = refused.camera;
    if (!mic && !cam) return;
    const hint = 'Разрешите доступ в настройках сайта (значок слева от адреса) и включите устройство кнопкой внизу.';
    let text;
    if (mic && cam) text = `Камера и микрофон недоступны (${REFUSED[mic]}): вы в звонке как слушатель — вы видите и слышите остальных, они вас нет. ${hint}`;
    else if (cam) text = `Камера недоступна (${REFUSED[cam]}): вас слышат, но не видят. ${hint}`;
    else text = `Микрофон недоступен (${REFUSED[mic]}): вас видят, но не слышат. ${hint}`;
    this.note(text, 'warn', 'refused');
  }

  // --- the screen ----------------------------------------------------------------------------
  build() {
    const title = this.chat?.title || 'Звонок';
    this.meta = h('p', { class: 'meta call-meta', 'aria-live': 'off' });
    this.grid = h('ul', { class: 'call-grid', 'aria-label': 'Участники звонка' });
    this.notes = h('div', { class: 'call-notes', 'aria-live': 'polite' });
    this.peopleList = h('ul', { class: 'call-people-list' });
    this.peopleTitle = h('h2', { id: 'call-people-title' }, 'Участники');
    const closePeople = h('button', { type: 'button', class: 'secondary small call-panel-close' }, 'Закрыть');
    closePeople.addEventListener('click', () => this.togglePanel('people', false));
    this.people = h('aside', { class: 'call-panel call-people', id: 'call-people', hidden: true, 'aria-labelledby': 'call-people-title' }, this.peopleTitle, this.peopleList, closePeople);
    this.devicePanel = this.devicesBox();
    this.audioBox = h('div', { class: 'call-audio', 'aria-hidden': 'true' });
    this.controls = this.controlBar();
    const back = h('a', { href: this.backPath(), 'data-link': true, class: 'icon-button back-button', 'aria-label': 'Назад (выйти из звонка)' }, icon('back'));
    replace(
      this.main,
      h(
        'div',
        { class: 'call-screen' },
        h('header', { class: 'call-header' }, back, h('div', { class: 'call-title' }, h('h1', {}, title), this.meta), this.devicesButton),
        this.notes,
        h('div', { class: 'call-body' }, this.grid, this.people, this.devicePanel),
        this.controls,
        this.audioBox,
      ),
    );
    this.renderPeople();
    this.layout();
    this.tick();
    this.clock = window.setInterval(() => {
      this.tick();
      this.checkReceiving();
    }, 1000);
  }

  tick() {
    const count = this.participants.size;
    this.meta.textContent = `Звонок · ${plural(count, ['участник', 'участника', 'участников'])} · ${duration(this.call.started_at)}`;
  }

  toggleButton(name, iconName, run) {
    const button = h('button', { type: 'button', class: 'call-toggle', 'aria-pressed': 'false' }, icon(iconName), h('span', { class: 'call-label' }, name));
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await run(button.getAttribute('aria-pressed') !== 'true');
      } catch (error) {
        this.note(error);
      } finally {
        button.disabled = false;
        this.refreshControls();
      }
    });
    return button;
  }

  controlBar() {
    this.micButton = this.toggleButton('Микрофон', 'mic', (on) => this.setSource('microphone', on));
    this.cameraButton = this.toggleButton('Камера', 'camera', (on) => this.setSource('camera', on));
    this.screenButton = this.toggleButton('Показать экран', 'screen', (on) => this.setScreen(on));
    this.handButton = this.toggleButton('Поднять руку', 'hand', (on) => this.patch({ hand_raised: on }));
    this.screenButton.classList.add('accent');
    this.handButton.classList.add('accent');
    this.peopleButton = h('button', { type: 'button', class: 'call-toggle', 'aria-expanded': 'false', 'aria-controls': 'call-people' }, icon('people'), h('span', { class: 'call-label' }, 'Участники'));
    this.peopleButton.addEventListener('click', () => this.togglePanel('people'));
    // In the header, so that a phone's control bar keeps six buttons wide enough for their words.
    this.devicesButton = h('button', { type: 'button', class: 'icon-button', 'aria-expanded': 'false', 'aria-controls': 'call-devices', 'aria-label': 'Устройства' }, icon('settings'));
    this.devicesButton.addEventListener('click', () => this.togglePanel('devices'));
    const leave = h('button', { type: 'button', class: 'call-toggle call-leave' }, icon('leave'), h('span', { class: 'call-label' }, 'Выйти'));
    leave.addEventListener('click', () => this.leave());
    const toolbar = h('div', { class: 'call-controls', role: 'toolbar', 'aria-label': 'Управление звонком' }, this.micButton, this.cameraButton, this.screenButton, this.handButton, this.peopleButton, leave);
    this.showPublishing();
    return toolbar;
  }

  /** Mic, camera, screen and devices only for someone who may publish. */
  showPublishing() {
    for (const button of [this.micButton, this.cameraButton, this.screenButton, this.devicesButton]) button.hidden = !this.publish;
    if (!navigator.mediaDevices?.getDisplayMedia) this.screenButton.hidden = true;
  }

  /**
   * A moderator blocked me in the chat mid-call (listen only: my sources go off) or lifted the
   * block (the buttons come back; nothing is switched on by itself).
   */
  async mayPublish(allowed) {
    if (allowed === this.publish || !this.media) return;
    this.publish = allowed;
    this.showPublishing();
    if (allowed) {
      this.note('Теперь вы снова можете включить микрофон и камеру.', 'ok', 'publish');
      if (!this.media.publisher) await this.media.send({ microphone: null, camera: null });
    } else {
      for (const source of ['microphone', 'camera', 'screen']) await this.media.setSource(source, false);
      this.note('Теперь вы в звонке только слушатель: выступать в этом чате вам сейчас нельзя.', 'warn', 'publish');
    }
    this.refreshControls();
    this.layout();
  }

  togglePanel(which, open) {
    const panel = which === 'people' ? this.people : this.devicePanel;
    const button = which === 'people' ? this.peopleButton : this.devicesButton;
    const show = open ?? panel.hidden;
    panel.hidden = !show;
    button.setAttribute('aria-expanded', String(show));
    if (show) {
      const other = which === 'people' ? 'devices' : 'people';
      const otherPanel = other === 'people' ? this.people : this.devicePanel;
      if (!otherPanel.hidden) this.togglePanel(other, false);
      if (which === 'devices') this.fillDevices();
      panel.querySelector('button, select')?.focus();
    } else if (open === false) {
      button.focus();
    }
  }

  refreshControls() {
    if (!this.micButton || this.closed) return;
    const mine = this.participants.get(this.me.session_id)?.state || {};
    const on = (source) => Boolean(this.media?.track(source));
    this.micButton.setAttribute('aria-pressed', String(on('microphone')));
    this.cameraButton.setAttribute('aria-pressed', String(on('camera')));
    this.screenButton.setAttribute('aria-pressed', String(on('screen')));
    this.handButton.setAttribute('aria-pressed', String(Boolean(mine.hand_raised)));
    replace(this.micButton, icon(on('microphone') ? 'mic' : 'mic-off'), h('span', { class: 'call-label' }, 'Микрофон'));
    replace(this.cameraButton, icon(on('camera') ? 'camera' : 'camera-off'), h('span', { class: 'call-label' }, 'Камера'));
    this.micButton.classList.toggle('off', !on('microphone'));
    this.cameraButton.classList.toggle('off', !on('camera'));
  }

  // --- my sources ----------------------------------------------------------------------------
  async setSource(source, on) {
    if (!this.media) return;
    let track = null;
    if (on && !this.media.local[source]) {
      // Off since the start (refused, or turned off): ask the device again.
      const opened = await openDevices({ microphone: source === 'microphone', camera: source === 'camera', devices: savedDevices() });
      track = opened[source];
      if (!track) {
        this.sayRefused(opened.refused);
        return;
      }
      this.clearNote('refused');
    }
    await this.media.setSource(source, on, track);
    await this.patch(source === 'microphone' ? { mic: on } : { camera: on });
    this.layout();
  }

  async setScreen(on) {
    if (!on) {
      await this.media.setSource('screen', false);
      await this.patch({ screen: false });
      this.layout();
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      if (error?.name !== 'NotAllowedError' && error?.name !== 'AbortError') this.note('Не удалось показать экран: браузер не дал доступа к нему.', 'warn');
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    if (this.closed) {
      track.stop();
      return;
    }
    // «Прекратить показ» of the browser itself ends the track.
    track.addEventListener('ended', () => {
      if (!this.closed && this.media?.local.screen === track) this.setScreen(false).then(() => this.refreshControls(), (error) => this.note(error));
    });
    await this.media.setSource('screen', true, track);
    await this.patch({ screen: true });
    this.layout();
  }

  /** My state on the server (mic, camera, screen, hand): others see it in the list and tiles. */
  async patch(state) {
    const updated = await api.patch(`/calls/${this.call.id}/sessions/${this.me.session_id}`, state);
    if (updated && !this.closed) {
      this.participants.set(this.me.session_id, { ...this.participants.get(this.me.session_id), ...updated });
      this.renderPeople();
      this.layout();
    }
  }

  // --- devices -------------------------------------------------------------------------------
  devicesBox() {
    this.micSelect = h('select', { id: 'call-mic-select' });
    this.camSelect = h('select', { id: 'call-cam-select' });
    this.micSelect.addEventListener('change', () => this.chooseDevice('microphone', this.micSelect.value));
    this.camSelect.addEventListener('change', () => this.chooseDevice('camera', this.camSelect.value));
    const close = h('button', { type: 'button', class: 'secondary small call-panel-close' }, 'Закрыть');
    close.addEventListener('click', () => this.togglePanel('devices', false));
    return h(
      'section',
      { class: 'call-panel call-devices', id: 'call-devices', hidden: true, 'aria-labelledby': 'call-devices-title' },
      h('h2', { id: 'call-devices-title' }, 'Устройства'),
      h('div', { class: 'field' }, h('label', { for: 'call-mic-select' }, 'Микрофон для звонка'), this.micSelect),
      h('div', { class: 'field' }, h('label', { for: 'call-cam-select' }, 'Камера для звонка'), this.camSelect),
      close,
    );
  }

  async fillDevices() {
    if (!navigator.mediaDevices?.enumerateDevices || this.closed || !this.micSelect) return;
    let devices = [];
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      devices = [];
    }
    const fill = (select, kind, source, noun) => {
      const found = devices.filter((d) => d.kind === kind && d.deviceId);
      const current = this.media?.local[source]?.getSettings?.().deviceId || savedDevices()[source] || '';
      replace(
        select,
        found.length
          ? found.map((d, index) => h('option', { value: d.deviceId, selected: d.deviceId === current }, d.label || `${noun} ${index + 1}`))
          : [h('option', { value: '' }, 'Нет доступных устройств')],
      );
      select.disabled = !found.length;
    };
    fill(this.micSelect, 'audioinput', 'microphone', 'Микрофон');
    fill(this.camSelect, 'videoinput', 'camera', 'Камера');
  }

  async chooseDevice(source, deviceId) {
    if (!deviceId || !this.media) return;
    const devices = { ...savedDevices(), [source]: deviceId };
    localStorage.setItem(DEVICES_KEY, JSON.stringify(devices));
    if (!this.media.track(source)) return; // used the next time the source is switched on
    const opened = await openDevices({ microphone: source === 'microphone', camera: source === 'camera', devices });
    if (!opened[source]) {
      this.sayRefused(opened.refused);
      return;
    }
    await this.media.switchDevice(source, opened[source]);
    this.layout();
  }

  // --- live frames ---------------------------------------------------------------------------
  listen() {
    this.stops.push(live().listen((frame) => this.onFrame(frame)));
    let wasDown = false;
    this.stops.push(
      live().onStatus((status) => {
        if (status === 'down') wasDown = true;
        if (status === 'live' && wasDown) {
          wasDown = false;
          this.catchUp();
        }
      }),
    );
    const phone = window.matchMedia(PHONE);
    const relayout = () => this.layout();
    phone.addEventListener('change', relayout);
    this.stops.push(() => phone.removeEventListener('change', relayout));
    const devicesChanged = () => this.fillDevices();
    navigator.mediaDevices?.addEventListener?.('devicechange', devicesChanged);
    this.stops.push(() => navigator.mediaDevices?.removeEventListener?.('devicechange', devicesChanged));
    const pagehide = () => this.leaveOnUnload();
    window.addEventListener('pagehide', pagehide);
    this.stops.push(() => window.removeEventListener('pagehide', pagehide));
  }

  /** After the live connection came back: what changed meanwhile (frames may have been missed). */
  async catchUp() {
    try {
      const call = await api.get(`/chats/${encodeURIComponent(this.chatId)}/call`);
      if (this.closed) return;
      if (call.id !== this.call.id) {
        this.ended('call_ended');
        return;
      }
      this.setParticipants(call.participants || []);
    } catch (error) {
      if (!this.closed && error instanceof ApiError && error.status === 404) this.ended('call_ended');
    }
  }

  onFrame(frame) {
    if (this.closed || !frame.type?.startsWith('call.') || frame.call_id !== this.call.id) return;
    if (frame.session_id && frame.session_id !== this.me.session_id) return;
    switch (frame.type) {
      case 'call.participants':
        this.setParticipants(frame.participants || []);
        break;
      case 'call.offer':
        this.media?.acceptOffer(frame).catch((error) => this.note(error));
        break;
      case 'call.speaker':
        this.setSpeaker(frame.speaker?.session_id || '');
        break;
      case 'call.muted':
        this.mutedBy(frame.source);
        break;
      case 'call.closed':
        this.ended(frame.reason || 'call_ended');
        break;
      default:
        break;
    }
  }

  setParticipants(list) {
    const mine = list.find((p) => p.session_id === this.me.session_id);
    this.participants = new Map(list.map((p) => [p.session_id, p]));
    if (!mine) this.participants.set(this.me.session_id, this.me);
    else this.me = mine;
    if (mine) this.mayPublish(Boolean(mine.may_publish)).catch((error) => this.note(error));
    this.order = this.order.filter((id) => this.participants.has(id));
    for (const [id, p] of this.participants) if (id !== this.me.session_id && !this.order.includes(id) && this.shows(p)) this.order.push(id);
    for (const [id, element] of this.audio) {
      if (!this.participants.has(id)) {
        element.srcObject = null;
        element.remove();
        this.audio.delete(id);
      }
    }
    this.renderPeople();
    this.refreshControls();
    this.tick();
    this.layout();
  }

  setSpeaker(sessionId) {
    this.speaker = sessionId;
    // A speaker in a hidden tile moves up to be seen.
    const index = this.order.indexOf(sessionId);
    if (index >= this.remoteSlots()) {
      this.order.splice(index, 1);
      this.order.unshift(sessionId);
    }
    this.layout();
  }

  async mutedBy(source) {
    if (!this.media) return;
    await this.media.setSource(source, false);
    this.note(MUTED[source] || 'Модератор выключил вам звук.', 'warn', `muted-${source}`);
    this.refreshControls();
    this.layout();
  }

  /** The SFU's tracks for me after a negotiation: each goes to its tile or its <audio>. */
  received(tracks) {
    if (this.closed) return;
    this.remote = new Map(tracks.map((info) => [`${info.session_id}:${info.source}`, info.track]));
    this.remoteMuted = new Set(tracks.filter((info) => info.muted).map((info) => `${info.session_id}:${info.source}`));
    for (const info of tracks) {
      if (info.source !== 'microphone') continue;
      let element = this.audio.get(info.session_id);
      if (!element) {
        element = h('audio', { autoplay: true, 'data-session': info.session_id });
        this.audio.set(info.session_id, element);
        this.audioBox.append(element);
      }
      if (element.srcObject?.getTracks()[0] !== info.track) {
        element.srcObject = new MediaStream([info.track]);
        element.play().catch(() => this.askForSound());
      }
    }
    this.layout();
  }

  /**
   * Live call frames go over core NATS, which may drop one: when someone has sent their microphone
   * or camera for a while and the SFU's re-offer with it never came, ask for a whole new offer (a new
   * subscriber peer connection for this session).
   */
  checkReceiving(now = Date.now()) {
    if (!this.media?.subscriber || this.closed) return;
    const missing = [...this.participants.values()].some((p) => p.session_id !== this.me.session_id
      && ((p.state?.mic && !this.remote.has(`${p.session_id}:microphone`)) || (p.state?.camera && !this.remote.has(`${p.session_id}:camera`))));
    if (!missing) {
      this.missingSince = 0;
      return;
    }
    this.missingSince ||= now;
    if (now - this.missingSince >= MISSING_MS && now - (this.resubscribed || 0) >= RESUBSCRIBE_MS) {
      this.resubscribed = now;
      this.missingSince = 0;
      this.media.restart('subscriber');
    }
  }

  /** The browser did not let sound play without a click (a reloaded call): one button does. */
  askForSound() {
    if (this.soundButton || this.closed) return;
    this.soundButton = h('button', { type: 'button', class: 'primary small' }, 'Включить звук');
    this.soundButton.addEventListener('click', () => {
      for (const element of this.audio.values()) element.play().catch(() => {});
      this.soundButton.closest('.alert')?.remove();
      this.soundButton = null;
    });
    this.notes.append(h('div', { class: 'alert warn', role: 'status' }, h('p', {}, 'Браузер не включил звук сам.'), this.soundButton));
  }

  connection(role, state) {
    if (state === 'failed' || state === 'disconnected') this.note('Связь со звонком прервалась. Переподключаемся…', 'warn', 'connection');
    else if (state === 'connected') this.clearNote('connection');
  }

  // --- tiles ---------------------------------------------------------------------------------
  phone() {
    return window.matchMedia(PHONE).matches;
  }

  limit() {
    return this.phone() ? PHONE_TILES : DESKTOP_TILES;
  }

  remoteSlots() {
    return Math.max(0, this.limit() - 1 - this.screens().length);
  }

  screens() {
    return [...this.participants.values()].filter((p) => p.state?.screen && (p.session_id === this.me.session_id ? this.media?.track('screen') : this.remote.get(`${p.session_id}:screen`)));
  }

  nameFor(userId, use) {
    if (this.names.has(userId)) {
      use(this.names.get(userId));
      return;
    }
    nameOf(this.org, userId).then((name) => {
      this.names.set(userId, name);
      if (!this.closed) use(name);
    });
  }

  tile(key, participant, screen) {
    let tile = this.tiles.get(key);
    if (tile) return tile;
    const video = h('video', { autoplay: true, playsinline: true, muted: true, class: 'tile-video' });
    video.muted = true; // the sound is in the <audio> elements (and never my own)
    const avatar = h('span', { class: 'tile-avatar', 'aria-hidden': 'true' }, '•');
    const name = h('span', { class: 'tile-name' }, '…');
    const flags = h('span', { class: 'tile-flags' });
    const li = h('li', { class: `tile${screen ? ' screen' : ''}`, 'data-session': participant.session_id, 'data-user': participant.user_id }, video, avatar, h('div', { class: 'tile-caption' }, name, flags));
    const mine = participant.session_id === this.me.session_id;
    if (mine && !screen) li.classList.add('mine');
    tile = { li, video, avatar, name, flags };
    this.tiles.set(key, tile);
    this.nameFor(participant.user_id, (shown) => {
      const label = screen ? `Экран: ${shown}` : mine ? `${shown} (вы)` : shown;
      name.textContent = label;
      avatar.textContent = initials(shown);
      li.setAttribute('aria-label', label);
    });
    return tile;
  }

  show(tile, track) {
    const current = tile.video.srcObject?.getTracks()[0] || null;
    if (current !== track) tile.video.srcObject = track ? new MediaStream([track]) : null;
    tile.video.hidden = !track;
    tile.avatar.hidden = Boolean(track);
  }

  /** Which tiles are shown (screens, me, then the others; a phone 4), their video, and call.visible. */
  layout() {
    if (!this.grid || this.closed) return;
    const wanted = [];
    const visible = [];
    for (const p of this.screens()) {
      const mine = p.session_id === this.me.session_id;
      wanted.push({ key: `screen:${p.session_id}`, participant: p, screen: true, track: mine ? this.media.track('screen') : this.remote.get(`${p.session_id}:screen`) });
      if (!mine) visible.push(p.session_id);
    }
    const me = this.participants.get(this.me.session_id) || this.me;
    if (this.showsMe()) wanted.push({ key: me.session_id, participant: me, track: this.media?.track('camera') || null });
    const slots = this.remoteSlots();
    const hidden = [];
    this.order.forEach((id, index) => {
      const p = this.participants.get(id);
      if (!p) return;
      if (index >= slots) {
        hidden.push(p);
        return;
      }
      const key = `${id}:camera`;
      const track = p.state?.camera && !this.remoteMuted?.has(key) ? this.remote.get(key) || null : null;
      wanted.push({ key: id, participant: p, track });
      if (!visible.includes(id)) visible.push(id);
    });
    const keep = new Set(wanted.map((w) => w.key));
    for (const [key, tile] of this.tiles) {
      if (!keep.has(key)) {
        tile.video.srcObject = null;
        tile.li.remove();
        this.tiles.delete(key);
      }
    }
    const nodes = wanted.map((w) => {
      const tile = this.tile(w.key, w.participant, w.screen);
      this.show(tile, w.track);
      tile.li.classList.toggle('speaking', !w.screen && w.participant.session_id === this.speaker);
      this.flagsOf(tile, w.participant, w.screen);
      return tile.li;
    });
    if (hidden.length) {
      const more = h('li', { class: 'tile more' }, h('button', { type: 'button', class: 'tile-more', 'aria-controls': 'call-people' }, `ещё ${hidden.length}`));
      more.firstChild.addEventListener('click', () => this.togglePanel('people', true));
      nodes.push(more);
    }
    const same = nodes.length === this.grid.children.length && nodes.every((node, index) => this.grid.children[index] === node);
    if (!same) this.grid.replaceChildren(...nodes);
    this.grid.dataset.count = String(Math.min(nodes.length, 16));
    const key = visible.join(',');
    if (this.media && key !== this.visibleSent) {
      this.visibleSent = key;
      this.media.showing(visible);
    }
  }

  flagsOf(tile, participant, screen) {
    const state = participant.state || {};
    const mine = participant.session_id === this.me.session_id;
    const micOn = mine ? Boolean(this.media?.track('microphone')) : Boolean(state.mic);
    replace(
      tile.flags,
      !screen && !micOn ? h('span', { class: 'tile-flag', title: 'Микрофон выключен' }, icon('mic-off'), h('span', { class: 'visually-hidden' }, 'микрофон выключен')) : null,
      !screen && state.hand_raised ? h('span', { class: 'tile-flag hand', title: 'Поднята рука' }, icon('hand'), h('span', { class: 'visually-hidden' }, 'поднята рука')) : null,
    );
  }

  // --- the participant list ------------------------------------------------------------------
  renderPeople() {
    if (!this.peopleList) return;
    const people = [...this.participants.values()].sort((a, b) => (a.session_id === this.me.session_id ? -1 : b.session_id === this.me.session_id ? 1 : String(a.joined_at).localeCompare(String(b.joined_at))));
    this.peopleTitle.textContent = `Участники (${people.length})`;
    replace(this.peopleList, people.map((p) => this.personRow(p)));
  }

  personRow(p) {
    const mine = p.session_id === this.me.session_id;
    const state = p.state || {};
    const name = h('span', { class: 'person-name' }, '…');
    this.nameFor(p.user_id, (shown) => {
      name.textContent = mine ? `${shown} (вы)` : shown;
    });
    const status = [state.mic ? 'микрофон включён' : 'микрофон выключен', state.camera ? 'камера включена' : 'камера выключена'];
    if (state.screen) status.push('показывает экран');
    if (state.hand_raised) status.push('поднята рука');
    if (!p.may_publish) status.push('только слушает');
    const row = h('li', { class: 'call-person', 'data-session': p.session_id, 'data-user': p.user_id }, h('div', { class: 'person-line' }, name, state.hand_raised ? icon('hand') : null), h('p', { class: 'meta' }, status.join(', ')));
    if (this.call.may_moderate && !mine) {
      const actions = h('div', { class: 'actions' });
      if (state.mic) {
        const mute = h('button', { type: 'button', class: 'secondary small' }, 'Выключить микрофон');
        mute.addEventListener('click', () => this.moderate(mute, () => api.post(`/calls/${this.call.id}/participants/${p.user_id}/mute`, { source: 'microphone' })));
        actions.append(mute);
      }
      const remove = h('button', { type: 'button', class: 'danger small' }, 'Удалить из звонка');
      remove.addEventListener('click', () => this.moderate(remove, () => api.del(`/calls/${this.call.id}/participants/${p.user_id}`)));
      actions.append(remove);
      row.append(actions);
    }
    return row;
  }

  async moderate(button, work) {
    button.disabled = true;
    try {
      const call = await work();
      if (call?.participants && !this.closed) this.setParticipants(call.participants);
    } catch (error) {
      this.note(error);
    } finally {
      button.disabled = false;
    }
  }

  // --- notes ---------------------------------------------------------------------------------
  /** A message above the grid (an Error or text); `key` replaces an earlier one of the same kind. */
  note(what, kind = 'error', key = '') {
    if (this.closed || !this.notes) return;
    if (key) this.clearNote(key);
    const box = what instanceof Error ? errorBox(what) : h('div', { class: `alert ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('p', {}, String(what)));
    if (key) box.dataset.note = key;
    const close = h('button', { type: 'button', class: 'icon-button note-close', 'aria-label': 'Скрыть сообщение' }, icon('close'));
    close.addEventListener('click', () => box.remove());
    box.append(close);
    this.notes.append(box);
  }

  clearNote(key) {
    this.notes?.querySelector(`[data-note="${key}"]`)?.remove();
  }

  // --- leaving -------------------------------------------------------------------------------
  async leave() {
    const target = this.backPath();
    await this.quit();
    this.ctx.go(target);
  }

  /** Leave on the server (once) and stop everything here. */
  async quit() {
    const call = this.call;
    const me = this.me;
    const wasLeft = this.left;
    this.left = true;
    this.stop();
    if (call && me && !wasLeft) {
      try {
        await api.post(`/calls/${call.id}/sessions/${me.session_id}/leave`);
      } catch {
        // The server ends a session whose media stops anyway.
      }
    }
  }

  /** The page is going away (closed, reloaded): leave without waiting for an answer. */
  leaveOnUnload() {
    if (this.call && this.me && !this.left) {
      this.left = true;
      this.sendLeave(this.call.id, this.me.session_id);
    }
    this.stop();
  }

  sendLeave(callId, sessionId) {
    const token = session()?.access_token;
    fetch(`/api/v1/calls/${callId}/sessions/${sessionId}/leave`, {
      method: 'POST',
      keepalive: true,
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    }).catch(() => {});
  }

  /** The call ended for me (left, removed, ended, access lost, lost connection): say so. */
  ended(reason) {
    if (this.closed) return;
    this.left = true;
    this.stop();
    document.body.classList.remove('call-open');
    const back = h('a', { href: this.backPath(), 'data-link': true, class: 'button' }, this.chat?.back || 'Вернуться в чат');
    const again = reason === 'disconnected' ? h('button', { type: 'button', class: 'primary' }, 'Подключиться снова') : null;
    again?.addEventListener('click', () => this.ctx.go(window.location.pathname, { replaceState: true }));
    replace(
      this.main,
      h('h1', {}, this.heading()),
      h('div', { class: `alert ${reason === 'removed' || reason === 'access_lost' ? 'error' : 'ok'}`, role: 'status', 'data-reason': reason }, h('p', {}, this.closedText(reason))),
      h('div', { class: 'actions' }, again, reason === 'access_lost' ? h('a', { href: '/chats', 'data-link': true, class: 'button' }, 'Все чаты') : back),
    );
  }

  /** Stop every track, close both peer connections, remove every listener and timer. */
  stop() {
    if (this.closed) {
      return;
    }
    this.closed = true;
    if (this.call && this.me && !this.left) {
      this.left = true;
      this.sendLeave(this.call.id, this.me.session_id);
    }
    document.body.classList.remove('call-open');
    window.clearInterval(this.clock);
    for (const stop of this.stops.splice(0)) {
      try {
        stop();
      } catch (error) {
        console.error(error);
      }
    }
    this.media?.close();
    for (const tile of this.tiles.values()) tile.video.srcObject = null;
    for (const element of this.audio.values()) element.srcObject = null;
    this.tiles.clear();
    this.audio.clear();
    this.remote.clear();
    this.audioBox?.replaceChildren();
  }
}
