// The service worker: shows a Web Push notification for a new message and opens (or focuses) the
// chat when it is clicked. It has no fetch handler, so it never stands between the page and the API.
// Served at /sw.js (scope: the whole client). Payloads carry no message text, only the chat's title.

const FALLBACK_URL = '/chats';

/** Only a path of this site: a payload can never send the click elsewhere. */
function localPath(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : FALLBACK_URL;
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const title = typeof data.title === 'string' && data.title ? data.title : 'Парта';
  const options = {
    body: typeof data.body === 'string' ? data.body : 'Новое сообщение',
    icon: '/static/icon.svg',
    lang: 'ru',
    // One notification per chat: a newer push replaces the older one.
    tag: typeof data.chat_id === 'string' ? `chat-${data.chat_id}` : 'parta',
    renotify: true,
    data: { url: localPath(data.url) },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = localPath(event.notification.data && event.notification.data.url);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) {
        const focused = await open.focus();
        if (focused && 'navigate' in focused) {
          try {
            await focused.navigate(url);
            return;
          } catch {
            // not controlled by this worker yet: open a window instead
          }
        } else if (focused) {
          return;
        }
      }
      await self.clients.openWindow(url);
    })(),
  );
});
