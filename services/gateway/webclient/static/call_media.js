// One participant session's media with the SFU, no DOM: the camera and microphone (and the screen),
// and the two RTCPeerConnections a session has, as LiveKit does. The publisher sends my tracks: the
// client offers (three fixed m-lines — microphone, camera, screen — whose tracks come and go by
// replaceTrack, so turning a source on or off never renegotiates). The subscriber receives the
// others': the SFU offers (call.subscribe, then re-offers as call.offer frames when tracks come and
// go), the client answers. ICE trickles as call.ice; the SFU's candidates are in its SDP. A peer
// connection that fails is replaced by a new one for the same session (aiortc has no ICE restart).
//
// close() stops every track, closes both peer connections and clears every timer and listener:
// a call may run for hours and is left without leaking a camera or a socket.
//
// Test mode (localStorage 'parta.call.test' = '1', set by the browser tests only): candidates other
// than loopback ones are dropped before they are sent (nothing may send STUN or RTP to this
// machine's other addresses), and window.__parta_call exposes the peer connections for getStats().

export const SOURCES = ['microphone', 'camera', 'screen'];
const KIND = { microphone: 'audio', camera: 'video', screen: 'video' };
// A connection that stays 'disconnected' this long is treated as failed and replaced.
const DISCONNECTED_MS = 5000;
const MAX_RESTART_DELAY = 30000;
const TEST_KEY = 'parta.call.test';

/** Whether the browser tests run this page (see the module's comment). */
export function testMode() {
  try {
    return window.localStorage.getItem(TEST_KEY) === '1';
  } catch {
    return false;
  }
}

/** The address of an a=candidate value ("candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host"). */
export function candidateAddress(candidate) {
  const parts = String(candidate || '').replace(/^a=/, '').split(/\s+/);
  return parts.length > 5 ? parts[4] : '';
}

export function isLoopback(address) {
  return /^127\./.test(address) || address === '::1';
}

/** The SDP without the a=candidate lines whose address is not loopback (test mode). */
export function loopbackSdp(sdp) {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || isLoopback(candidateAddress(line)))
    .join('\r\n');
}

/**
 * An offer with no m= section yet (I am alone in the call) may still name an empty BUNDLE group,
 * which browsers refuse: without it the offer is valid, and its answer lets the SFU re-offer later.
 */
export function withoutEmptyBundle(sdp) {
  return sdp
    .split('\r\n')
    .filter((line) => !/^a=group:BUNDLE\s*$/.test(line))
    .join('\r\n');
}

function fingerprint(sdp) {
  return (String(sdp || '').match(/a=fingerprint:[^\r\n]+/) || [''])[0];
}

/** Why getUserMedia refused: 'denied' (the person or a policy), 'missing' (no device), 'busy', 'failed'. */
export function refusalOf(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'missing';
    case 'NotReadableError':
    case 'AbortError':
      return 'busy';
    default:
      return 'failed';
  }
}

function constraint(deviceId) {
  return deviceId ? { deviceId: { exact: deviceId } } : true;
}

/**
 * The camera and the microphone, each on its own so that one refused does not cost the other:
 * returns { microphone: track|null, camera: track|null, refused: { microphone?, camera? } }.
 */
export async function openDevices({ microphone = true, camera = true, devices = {} } = {}) {
  const result = { microphone: null, camera: null, refused: {} };
  if (!navigator.mediaDevices?.getUserMedia) {
    if (microphone) result.refused.microphone = 'failed';
    if (camera) result.refused.camera = 'failed';
    return result;
  }
  const wanted = { audio: microphone ? constraint(devices.microphone) : false, video: camera ? constraint(devices.camera) : false };
  if (wanted.audio || wanted.video) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(wanted);
      result.microphone = stream.getAudioTracks()[0] || null;
      result.camera = stream.getVideoTracks()[0] || null;
      return result;
    } catch (error) {
      if (!(wanted.audio && wanted.video)) {
        result.refused[wanted.audio ? 'microphone' : 'camera'] = refusalOf(error);
        return result;
      }
    }
  }
  // Both together were refused: ask for each alone (a laptop without a camera still speaks).
  for (const [source, kind] of [['microphone', 'audio'], ['camera', 'video']]) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ [kind]: wanted[kind] });
      result[source] = stream.getTracks()[0] || null;
    } catch (error) {
      result.refused[source] = refusalOf(error);
    }
  }
  return result;
}

/**
 * The media of my session in one call. `signal` is the live connection (request/post of live.js);
 * `onTracks(list)` gets the received tracks ({mid, kind, source, user_id, session_id, muted, track})
 * after each negotiation; `onConnection(role, state)` the peer connections' states; `onError(error)`
 * what went wrong that the page should say.
 */
export class CallMedia {
  constructor({ callId, sessionId, iceServers = [], signal, onTracks = () => {}, onConnection = () => {}, onError = () => {} }) {
    Object.assign(this, { callId, sessionId, signal, onTracks, onConnection, onError });
    this.test = testMode();
    this.iceServers = (iceServers || []).map((server) => {
      const entry = { urls: server.urls };
      if (server.username) entry.username = server.username;
      if (server.credential) entry.credential = server.credential;
      return entry;
    });
    this.local = { microphone: null, camera: null, screen: null }; // my tracks (sent or ready to be)
    this.sending = { microphone: false, camera: false, screen: false }; // whether a source is switched on
    this.publisher = null;
    this.subscriber = null;
    this.senders = {}; // source → RTCRtpSender of the current publisher
    this.ready = new WeakMap(); // peer connection → whether its candidates may be sent now
    this.queued = new WeakMap(); // peer connection → candidates made before that
    this.timers = new Map(); // role → the 'disconnected' timer
    this.restarts = { publisher: 0, subscriber: 0 };
    this.restartTimers = new Map();
    this.remoteTracks = [];
    this.offers = Promise.resolve(); // subscriber offers are handled one at a time, in order
    this.events = []; // what happened, for the tests' diagnostics (test mode only)
    this.closed = false;
    if (this.test) window.__parta_call = this.debugHandle();
  }

  log(...what) {
    if (this.test && this.events.length < 500) this.events.push(`${Math.round(performance.now())} ${what.join(' ')}`);
  }

  // --- my tracks -----------------------------------------------------------------------------
  /** Start receiving the others (asks the SFU for its subscriber offer). */
  receive() {
    return this.subscribe();
  }

  /** Take my tracks (from openDevices) and start publishing them (listen-only: never called). */
  async send(tracks) {
    if (this.closed) {
      tracks.microphone?.stop();
      tracks.camera?.stop();
      return;
    }
    for (const source of ['microphone', 'camera']) {
      if (tracks[source]) this.local[source] = tracks[source];
      this.sending[source] = Boolean(tracks[source]);
    }
    this.sending.screen = false;
    await this.startPublisher();
  }

  /** The local track of a source that is on (for the self view), or null. */
  track(source) {
    return this.sending[source] ? this.local[source] : null;
  }

  /** Switch a source on (with `track`, a fresh one from a device) or off. */
  async setSource(source, on, track = null) {
    if (this.closed) {
      track?.stop();
      return;
    }
    if (on && track && track !== this.local[source]) {
      this.local[source]?.stop();
      this.local[source] = track;
    }
    if (!on && source !== 'microphone') {
      // The camera's light goes off, the screen is no longer captured.
      this.local[source]?.stop();
      this.local[source] = null;
    }
    if (this.local[source]) this.local[source].enabled = on;
    this.sending[source] = on && Boolean(this.local[source]);
    const sender = this.senders[source];
    if (sender) await sender.replaceTrack(this.sending[source] ? this.local[source] : null);
  }

  /** Send the track of another device of the same kind (device choice). */
  async switchDevice(source, track) {
    const on = this.sending[source];
    this.local[source]?.stop();
    this.local[source] = track;
    track.enabled = on;
    if (on && this.senders[source]) await this.senders[source].replaceTrack(track);
  }

  // --- peer connections ----------------------------------------------------------------------
  newPeer(role) {
    // The SFU bundles its offers, but its first one to someone alone in the call has no m= section
    // (and so no BUNDLE group), which 'max-bundle' would refuse.
    const bundlePolicy = role === 'publisher' ? 'max-bundle' : 'balanced';
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy, rtcpMuxPolicy: 'require' });
    this.ready.set(pc, false);
    this.queued.set(pc, []);
    pc.onicecandidate = (event) => this.candidate(pc, role, event.candidate);
    pc.onconnectionstatechange = () => this.connectionChanged(pc, role);
    return pc;
  }

  candidate(pc, role, candidate) {
    if (this.closed) return;
    let value = { candidate: '', sdp_mid: '', sdp_mline_index: 0 }; // end of candidates
    if (candidate) {
      if (this.test && candidate.candidate && !isLoopback(candidateAddress(candidate.candidate))) return;
      value = { candidate: candidate.candidate, sdp_mid: candidate.sdpMid || '', sdp_mline_index: candidate.sdpMLineIndex || 0 };
    }
    if (!this.ready.get(pc)) {
      this.queued.get(pc)?.push(value);
      return;
    }
    this.sendCandidate(role, value);
  }

  sendCandidate(role, candidate) {
    this.signal.post({ type: 'call.ice', call_id: this.callId, session_id: this.sessionId, role, candidate });
  }

  /** The SFU knows this peer connection now: its candidates go out (those made so far first). */
  release(pc, role) {
    this.ready.set(pc, true);
    const waiting = this.queued.get(pc) || [];
    this.queued.set(pc, []);
    for (const candidate of waiting) this.sendCandidate(role, candidate);
  }

  description(pc) {
    const { type, sdp } = pc.localDescription;
    return { type, sdp: this.test ? loopbackSdp(sdp) : sdp };
  }

  connectionChanged(pc, role) {
    if (this.closed || pc !== this[role]) return;
    const state = pc.connectionState;
    this.log(role, state);
    this.onConnection(role, state);
    window.clearTimeout(this.timers.get(role));
    this.timers.delete(role);
    if (state === 'connected') {
      this.restarts[role] = 0;
    } else if (state === 'failed') {
      this.restart(role);
    } else if (state === 'disconnected') {
      this.timers.set(role, window.setTimeout(() => {
        this.timers.delete(role);
        if (pc === this[role] && pc.connectionState === 'disconnected') this.restart(role);
      }, DISCONNECTED_MS));
    }
  }

  /** A new peer connection for the same session, after a backoff when it keeps failing. */
  restart(role) {
    if (this.closed || this.restartTimers.has(role)) return;
    this.log('restart', role);
    const delay = this.restarts[role] ? Math.min(MAX_RESTART_DELAY, 1000 * 2 ** (this.restarts[role] - 1)) : 0;
    this.restarts[role] += 1;
    this.restartTimers.set(role, window.setTimeout(async () => {
      this.restartTimers.delete(role);
      if (this.closed) return;
      try {
        if (role === 'publisher') await this.startPublisher();
        else {
          this.dropPeer('subscriber');
          await this.subscribe();
        }
      } catch (error) {
        if (this.closed) return;
        this.onError(error);
        this.restart(role);
      }
    }, delay));
  }

  dropPeer(role) {
    const pc = this[role];
    if (!pc) return;
    this[role] = null;
    pc.onicecandidate = null;
    pc.onconnectionstatechange = null;
    pc.close();
  }

  async startPublisher() {
    this.dropPeer('publisher');
    const pc = this.newPeer('publisher');
    this.publisher = pc;
    this.senders = {};
    const tracks = [];
    for (const source of SOURCES) {
      const transceiver = pc.addTransceiver(KIND[source], { direction: 'sendonly' });
      this.senders[source] = transceiver.sender;
      if (this.sending[source] && this.local[source]) await transceiver.sender.replaceTrack(this.local[source]);
      tracks.push({ transceiver, source });
    }
    await pc.setLocalDescription(await pc.createOffer());
    const answer = await this.signal.request({
      type: 'call.negotiate',
      call_id: this.callId,
      session_id: this.sessionId,
      role: 'publisher',
      description: this.description(pc),
      tracks: tracks.map(({ transceiver, source }) => ({ mid: transceiver.mid, kind: KIND[source], source })),
    });
    if (pc !== this.publisher || this.closed) return;
    await pc.setRemoteDescription(answer.description);
    this.release(pc, 'publisher');
  }

  /** Ask the SFU for a subscriber offer (the first one, or after a lost connection) and answer it. */
  async subscribe() {
    const offer = await this.signal.request({ type: 'call.subscribe', call_id: this.callId, session_id: this.sessionId });
    await this.acceptOffer(offer);
  }

  /** A subscriber offer (the answer to call.subscribe, or a call.offer frame): answered in order. */
  acceptOffer(frame) {
    const done = this.offers.then(() => this.answerOffer(frame));
    this.offers = done.catch(() => {});
    return done;
  }

  async answerOffer(frame) {
    if (this.closed || !frame.description) return;
    // The answer to call.subscribe (it has the request's id) comes from a new SFU peer connection:
    // a new one here too. A pushed re-offer renegotiates the current one — unless it is from an SFU
    // peer already replaced (another DTLS fingerprint), which is stale and dropped.
    const fresh = Boolean(frame.id);
    const print = fingerprint(frame.description.sdp);
    let pc = this.subscriber;
    if (!fresh && pc && print && this.subscriberPrint && print !== this.subscriberPrint) {
      this.log('stale offer dropped');
      return;
    }
    if (fresh || !pc) {
      this.dropPeer('subscriber');
      pc = this.newPeer('subscriber');
      this.subscriber = pc;
      this.subscriberPrint = '';
    }
    if (print) this.subscriberPrint = print;
    this.log('offer', frame.id || 'pushed', (frame.tracks || []).length, fingerprint(frame.description.sdp).slice(-12));
    await pc.setRemoteDescription({ type: 'offer', sdp: withoutEmptyBundle(frame.description.sdp) });
    await pc.setLocalDescription(await pc.createAnswer());
    if (this.closed || pc !== this.subscriber) return;
    await this.signal.request({
      type: 'call.negotiate',
      call_id: this.callId,
      session_id: this.sessionId,
      role: 'subscriber',
      description: this.description(pc),
      tracks: [],
    });
    if (this.closed || pc !== this.subscriber) return;
    this.release(pc, 'subscriber');
    this.remoteTracks = (frame.tracks || []).map((info) => ({ ...info, track: receivedTrack(pc, info.mid) })).filter((info) => info.track);
    this.onTracks(this.remoteTracks);
  }

  /** The sessions whose video I show: the SFU pauses the others' video for me. */
  showing(sessionIds) {
    if (this.closed) return;
    this.signal.post({ type: 'call.visible', call_id: this.callId, session_id: this.sessionId, sessions: sessionIds });
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const source of SOURCES) {
      this.local[source]?.stop();
      this.local[source] = null;
    }
    for (const timer of this.timers.values()) window.clearTimeout(timer);
    for (const timer of this.restartTimers.values()) window.clearTimeout(timer);
    this.timers.clear();
    this.restartTimers.clear();
    for (const info of this.remoteTracks) info.track.stop();
    this.remoteTracks = [];
    this.dropPeer('publisher');
    this.dropPeer('subscriber');
    this.senders = {};
    if (window.__parta_call?.media === this) delete window.__parta_call;
  }

  debugHandle() {
    const media = this;
    return {
      media,
      get publisher() {
        return media.publisher;
      },
      get subscriber() {
        return media.subscriber;
      },
      get sessionId() {
        return media.sessionId;
      },
      events() {
        return media.events;
      },
      tracks() {
        return media.remoteTracks.map(({ track, ...info }) => ({ ...info, track_id: track.id, readyState: track.readyState }));
      },
    };
  }
}

function receivedTrack(pc, mid) {
  const transceiver = pc.getTransceivers().find((t) => t.mid === mid);
  return transceiver ? transceiver.receiver.track : null;
}
