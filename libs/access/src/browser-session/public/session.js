// The page's side of the backend-for-frontend sign-in, shared by the operator console and the
// phone page (served by each at /auth/session.js). The page never sees a token: the browser
// sends the httpOnly session cookie, and every change carries the session's CSRF header.

let csrf = null;

/** Who is signed in ({ actor, csrfToken }), or null when nobody is (or the session has ended). */
export async function currentSession() {
  const response = await fetch('/auth/session', { cache: 'no-store', credentials: 'same-origin' });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`sign-in status ${response.status}`);
  const session = await response.json();
  csrf = session.csrfToken;
  return session;
}

/** Headers every API call adds: the CSRF token (the cookie itself goes by the browser). */
export function sessionHeaders() {
  return csrf ? { 'x-csrf-token': csrf } : {};
}

/** Off to the identity provider's login; back to this page afterwards. */
export function signIn() {
  location.assign(`/auth/sign-in?return=${encodeURIComponent(location.pathname)}`);
}

const DRAFTS = 'welfare.draft.';

/** Ends the session here, then at the identity provider; drafts typed in this tab go too (a shared screen). */
export async function signOut() {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(DRAFTS)) sessionStorage.removeItem(key);
  const response = await fetch('/auth/sign-out', {
    method: 'POST',
    headers: sessionHeaders(),
    credentials: 'same-origin',
  });
  csrf = null;
  const answer = response.ok ? await response.json() : { redirect: '/auth/signed-out' };
  location.assign(answer.redirect);
}

/**
 * Keeps what is typed in the form's text fields in this tab's sessionStorage until the form is
 * reset (sent), so a sign-in in between (an expired session) loses no note.
 */
export function keepDrafts(form) {
  const key = `${DRAFTS}${location.pathname}.${form.id}`;
  const fields = () => [...form.querySelectorAll('textarea, input[type="text"]')].filter((field) => field.name);
  const saved = JSON.parse(sessionStorage.getItem(key) ?? '{}');
  for (const field of fields()) if (saved[field.name]) field.value = saved[field.name];
  form.addEventListener('input', () =>
    sessionStorage.setItem(key, JSON.stringify(Object.fromEntries(fields().map((field) => [field.name, field.value])))),
  );
  form.addEventListener('reset', () => sessionStorage.removeItem(key));
}
