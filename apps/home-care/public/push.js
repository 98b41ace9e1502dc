// Web Push on the phone page: ask once, subscribe with the service's VAPID key, and tell home
// care where to ring. A push is only a doorbell (a dispatch id, never resident data): the
// service worker shows a fixed text and the page fetches the dispatch after sign-in.

const SETTINGS_CACHE = 'home-care-settings';
let publicKey = null;

/** True when this browser can take pushes and the service has push switched on. */
export async function pushAvailable(request) {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return false;
  if (publicKey) return true;
  try {
    const { status, json } = await request('GET', '/api/push/config');
    if (status !== 200 || !json?.publicKey) return false;
    publicKey = json.publicKey;
    return true;
  } catch {
    return false;
  }
}

/** 'on' (subscribed here), 'off', or 'denied' (the person blocked notifications). */
export async function pushState() {
  if (Notification.permission === 'denied') return 'denied';
  const registration = await navigator.serviceWorker.ready;
  return (await registration.pushManager.getSubscription()) ? 'on' : 'off';
}

export async function subscribeToPush(request, i18n) {
  if ((await Notification.requestPermission()) !== 'granted') return 'denied';
  await rememberNotificationText(i18n);
  const registration = await navigator.serviceWorker.ready;
  const existing = await registration.pushManager.getSubscription();
  let { status, json } = await register(request, existing ?? (await newSubscription(registration)));
  if (status === 403 && existing) {
    // Still subscribed for another team (nobody signed out there): a fresh subscription for this one.
    await existing.unsubscribe();
    ({ status, json } = await register(request, await newSubscription(registration)));
  }
  if (status !== 201) {
    await (await registration.pushManager.getSubscription())?.unsubscribe();
    throw new Error(json?.message ?? `HTTP ${status}`);
  }
  return 'on';
}

function newSubscription(registration) {
  return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
}

function register(request, subscription) {
  const { endpoint, keys } = subscription.toJSON();
  return request('POST', '/api/push/subscriptions', { endpoint, keys });
}

/**
 * Stops pushes to this phone: the browser drops the subscription (the push service then answers
 * 410 and home care forgets it), and home care is told at once when it can still be reached.
 */
export async function unsubscribeFromPush(request) {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return;
  const { endpoint } = subscription;
  await subscription.unsubscribe();
  if (request) await request('DELETE', '/api/push/subscriptions', { endpoint }).catch(() => {});
}

/** The service worker has no localStorage: it reads the notification's words from a cache. */
export async function rememberNotificationText(i18n) {
  const cache = await caches.open(SETTINGS_CACHE);
  const text = { title: i18n.t('push.notificationTitle'), body: i18n.t('push.notificationBody'), lang: i18n.language };
  await cache.put('/notification-text', new Response(JSON.stringify(text)));
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (char) => char.charCodeAt(0));
}
