// «Уведомления» in the profile: Web Push in this browser (the service worker /sw.js, the server's
// VAPID key, POST /api/v1/push/subscriptions) and the daily e-mail digest of unread messages
// (PUT /api/v1/me/notifications). Pushes say only which chat has news, never the text.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, checkbox, messageArea, section } from '../ui.js';

/** The VAPID key (base64url) as pushManager.subscribe wants it. */
export function keyBytes(base64url) {
  const base64 = (base64url + '='.repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

async function currentSubscription() {
  const registration = await navigator.serviceWorker.getRegistration('/');
  return registration ? registration.pushManager.getSubscription() : null;
}

async function enablePush() {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    throw new Error('Браузер не разрешил уведомления: разрешите их в настройках сайта');
  }
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  await navigator.serviceWorker.ready;
  const { public_key: key } = await api.get('/push/vapid-key');
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
  const json = subscription.toJSON();
  await api.post('/push/subscriptions', { endpoint: json.endpoint, keys: json.keys });
}

async function disablePush() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  await api.del('/push/subscriptions', { body: { endpoint: subscription.endpoint } });
  await subscription.unsubscribe();
}

/** On sign-out: forget this browser's subscription, quietly (no push support, no session: nothing). */
export async function stopPush() {
  if (!pushSupported()) return;
  try {
    await disablePush();
  } catch {
    // The server may have forgotten it already; the browser's own subscription is dropped below.
    const subscription = await currentSubscription().catch(() => null);
    await subscription?.unsubscribe().catch(() => false);
  }
}

async function renderPush(container) {
  const messages = messageArea();
  if (!pushSupported()) {
    replace(container, h('p', { class: 'hint' }, 'Этот браузер не поддерживает push-уведомления.'));
    return;
  }
  let subscribed = false;
  try {
    subscribed = Boolean(await currentSubscription());
  } catch {
    subscribed = false;
  }
  const denied = Notification.permission === 'denied';
  const button = h('button', { type: 'button', class: subscribed ? 'secondary' : 'primary', disabled: denied && !subscribed }, subscribed ? 'Отключить' : 'Включить');
  button.addEventListener('click', () =>
    busy(button, async () => {
      if (subscribed) await disablePush();
      else await enablePush();
      await renderPush(container);
    }, messages),
  );
  replace(
    container,
    h('p', {}, subscribed ? 'Уведомления в этом браузере включены.' : 'Уведомления в этом браузере выключены.'),
    denied && !subscribed ? h('p', { class: 'hint' }, 'Уведомления запрещены в настройках браузера для этого сайта.') : null,
    h('p', { class: 'hint' }, 'В уведомлении видно только название чата, без текста сообщения. Ученикам ночью (в тихие часы школы) уведомления не приходят.'),
    messages.el,
    h('div', { class: 'actions' }, button),
  );
}

function renderDigest(container, settings) {
  const messages = messageArea();
  const toggle = checkbox('Сводка непрочитанного на почту', { name: 'digest', checked: settings.digest, disabled: !settings.email_available && !settings.digest });
  const hint = settings.email_available
    ? 'Раз в день, если в чатах есть сообщения, которые вы не прочитали за 6 часов: только названия чатов и число сообщений.'
    : 'Сводка приходит на почту, с которой вы входите: войдите по e-mail, чтобы включить её.';
  toggle.input.addEventListener('change', async () => {
    toggle.input.disabled = true;
    messages.clear();
    try {
      const saved = await api.put('/me/notifications', { digest: toggle.input.checked });
      renderDigest(container, saved);
      return;
    } catch (error) {
      toggle.input.checked = !toggle.input.checked;
      messages.error(error);
    }
    toggle.input.disabled = false;
  });
  replace(
    container,
    toggle.row,
    h('p', { class: 'hint' }, hint),
    settings.digest && settings.email ? h('p', {}, `Сводка включена: приходит на ${settings.email}`) : null,
    messages.el,
  );
}

/** The «Уведомления» section of the profile. */
export async function notifySection() {
  const push = h('div', { class: 'stack' });
  const digest = h('div', { class: 'stack' });
  const el = section('Уведомления', h('h3', {}, 'Уведомления в браузере'), push, h('h3', {}, 'Сводка на почту'), digest);
  const settings = await api.get('/me/notifications');
  renderDigest(digest, settings);
  await renderPush(push);
  return el;
}
