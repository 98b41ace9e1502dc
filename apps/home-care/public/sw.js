// The phone page's service worker: an offline shell (the page's own files, network first, the
// cached copy when there is no network; the API is never cached here: the page keeps its last
// list itself), and Web Push: a push is a doorbell with a dispatch id, shown as a notification;
// tapping it opens (or focuses) the page on that dispatch.

const SHELL_CACHE = 'home-care-shell-v2';
const SETTINGS_CACHE = 'home-care-settings';
/** Served by the sign-in module (libs/access), not by the page's own files. */
const SESSION_SCRIPT = '/auth/session.js';
const SHELL = [
  '/',
  '/app.js',
  '/app.css',
  '/push.js',
  '/live-client.js',
  '/i18n.js',
  '/vocabulary.js',
  SESSION_SCRIPT,
  '/messages.nb.json',
  '/messages.en.json',
  '/manifest.webmanifest',
  '/icon.svg',
];
const FALLBACK_TEXT = { title: 'Nytt oppdrag', body: 'Åpne for å se oppdraget.', lang: 'nb' };

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      // The sign-in script exists only where sign-in is set up; the page's own load caches it too.
      .then((cache) =>
        cache
          .addAll(SHELL.filter((path) => path !== SESSION_SCRIPT))
          .then(() => cache.add(SESSION_SCRIPT).catch(() => {})),
      )
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((n) => n.startsWith('home-care-shell-') && n !== SHELL_CACHE).map((n) => caches.delete(n)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  const path = url.pathname === '/index.html' ? '/' : url.pathname;
  if (!SHELL.includes(path)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          void caches.open(SHELL_CACHE).then((cache) => cache.put(path, copy));
        }
        return response;
      })
      .catch(() => caches.match(path)),
  );
});

self.addEventListener('push', (event) => {
  event.waitUntil(showDoorbell(event.data));
});

async function showDoorbell(data) {
  let message;
  try {
    message = data ? data.json() : {};
  } catch {
    message = {};
  }
  const saved = await caches.match('/notification-text', { cacheName: SETTINGS_CACHE });
  const text = saved ? await saved.json() : FALLBACK_TEXT;
  const dispatchId = typeof message.dispatchId === 'string' ? message.dispatchId : null;
  await self.registration.showNotification(text.title, {
    body: text.body,
    lang: text.lang,
    tag: dispatchId ? `dispatch-${dispatchId}` : 'dispatch',
    icon: '/icon.svg',
    requireInteraction: true,
    data: { dispatchId },
  });
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openDispatch(event.notification.data?.dispatchId ?? null));
});

async function openDispatch(dispatchId) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (open) {
    open.postMessage({ type: 'open-dispatch', dispatchId });
    // Bringing the window forward needs the tap's user activation; without it the page still shows the dispatch.
    await open.focus().catch(() => {});
    return;
  }
  await self.clients.openWindow(dispatchId ? `/?dispatch=${encodeURIComponent(dispatchId)}` : '/');
}
