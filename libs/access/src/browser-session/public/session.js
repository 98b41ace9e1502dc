// The page's side of the backend-for-frontend sign-in, shared by every page (the operator
// console, the wallboard, the phone page, the administrators' pages; served by each service at
// /auth/session.js). The page never sees a token: the browser sends the httpOnly session cookie,
// and every change carries the session's CSRF header.

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
const REOPEN = 'welfare.reopen.';

/**
 * How every page starts: asks the server who is signed in, then hands over to the page, once:
 * `signedIn(session, reopen)`, with what the page had open when its last session in this tab
 * ended (keepOpenForSignIn) or null; `signedOut()` for the sign-in prompt; `checkFailed(error)`
 * when the server gave no answer. A throw in the page's own callback is the page's, not a failed check.
 */
export async function startSession({ signedIn, signedOut, checkFailed }) {
  let session;
  try {
    session = await currentSession();
  } catch (error) {
    return checkFailed(error);
  }
  if (!session) return signedOut();
  const reopen = sessionStorage.getItem(reopenKey());
  sessionStorage.removeItem(reopenKey());
  return signedIn(session, reopen);
}

/**
 * What the page had open when its session ended (an alarm's id), kept in this tab: signing in
 * again is a round trip to the identity provider that loads the page afresh, and startSession
 * hands it back.
 */
export function keepOpenForSignIn(what) {
  sessionStorage.setItem(reopenKey(), what);
}

const reopenKey = () => `${REOPEN}${location.pathname}`;

/** Ends the session here, then at the identity provider; drafts and what was kept open in this tab go too (a shared screen). */
export async function signOut() {
  for (const key of Object.keys(sessionStorage))
    if (key.startsWith(DRAFTS) || key.startsWith(REOPEN)) sessionStorage.removeItem(key);
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
