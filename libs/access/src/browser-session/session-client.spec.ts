import { jest } from '@jest/globals';
import type * as SessionClient from './public/session.js';

/** sessionStorage as the page sees it: its keys are the object's own keys (session.js walks them). */
class TabStorage {
  getItem(key: string): string | null {
    return Object.hasOwn(this, key) ? (this as unknown as Record<string, string>)[key] : null;
  }
  setItem(key: string, value: string): void {
    (this as unknown as Record<string, string>)[key] = String(value);
  }
  removeItem(key: string): void {
    delete (this as unknown as Record<string, string>)[key];
  }
  clear(): void {
    for (const key of this.keys()) this.removeItem(key);
  }
  keys(): string[] {
    return Object.keys(this);
  }
}

/**
 * The pages' shared sign-in module (plain browser JavaScript) in Node, with the browser's
 * fetch, sessionStorage and location stood in for: how every page starts (who is signed in, and
 * what was open when the last session ended), and what sign-out leaves behind.
 */
describe('session.js: a page’s start and sign-out', () => {
  let client: typeof SessionClient;
  let answer: () => Promise<Response>;
  const asked: string[] = [];
  const storage = new TabStorage();
  const assigned: string[] = [];

  beforeAll(async () => {
    Object.assign(globalThis, {
      sessionStorage: storage,
      location: { pathname: '/console', assign: (url: string) => assigned.push(url) },
      fetch: (url: string) => {
        asked.push(url);
        return answer();
      },
    });
    client = await import('./public/session.js');
  });

  beforeEach(() => {
    storage.clear();
    asked.length = 0;
  });

  const signedInAs = (name: string) => () =>
    Promise.resolve(Response.json({ actor: { name }, csrfToken: `csrf-of-${name}` }));
  const page = () => ({
    signedIn: jest.fn((session: SessionClient.PageSession, reopen: string | null) => ({
      signedIn: session.actor.name,
      reopen,
    })),
    signedOut: jest.fn(() => 'signed out'),
    checkFailed: jest.fn((error: Error) => `check failed: ${error.message}`),
  });

  it('hands a signed-in session to the page, with the CSRF header for its requests, and nothing to reopen', async () => {
    answer = signedInAs('Anna');
    const callbacks = page();
    expect(await client.startSession(callbacks)).toEqual({ signedIn: 'Anna', reopen: null });
    expect(asked).toEqual(['/auth/session']);
    expect(client.sessionHeaders()).toEqual({ 'x-csrf-token': 'csrf-of-Anna' });
    expect(callbacks.signedOut).not.toHaveBeenCalled();
    expect(callbacks.checkFailed).not.toHaveBeenCalled();
  });

  it('hands back, once, what was open when the session ended', async () => {
    client.keepOpenForSignIn('alarm-7');
    answer = signedInAs('Anna');
    expect(await client.startSession(page())).toEqual({ signedIn: 'Anna', reopen: 'alarm-7' });
    expect(await client.startSession(page())).toEqual({ signedIn: 'Anna', reopen: null });
  });

  it('keeps what was open for another page apart', async () => {
    client.keepOpenForSignIn('alarm-7');
    (globalThis as unknown as { location: { pathname: string } }).location.pathname = '/wallboard';
    answer = signedInAs('Sigurd');
    try {
      expect(await client.startSession(page())).toEqual({ signedIn: 'Sigurd', reopen: null });
    } finally {
      (globalThis as unknown as { location: { pathname: string } }).location.pathname = '/console';
    }
    expect(storage.getItem('welfare.reopen./console')).toBe('alarm-7');
  });

  it('asks for sign-in when nobody is signed in, and keeps what was open for after it', async () => {
    client.keepOpenForSignIn('alarm-7');
    answer = () => Promise.resolve(new Response('{}', { status: 401 }));
    const callbacks = page();
    expect(await client.startSession(callbacks)).toBe('signed out');
    expect(callbacks.signedIn).not.toHaveBeenCalled();
    answer = signedInAs('Anna');
    expect(await client.startSession(page())).toEqual({ signedIn: 'Anna', reopen: 'alarm-7' });
  });

  it('says the check failed when the server answers with an error or not at all', async () => {
    answer = () => Promise.resolve(new Response('', { status: 503 }));
    expect(await client.startSession(page())).toBe('check failed: sign-in status 503');
    answer = () => Promise.reject(new TypeError('fetch failed'));
    const callbacks = page();
    expect(await client.startSession(callbacks)).toBe('check failed: fetch failed');
    expect(callbacks.signedIn).not.toHaveBeenCalled();
    expect(callbacks.signedOut).not.toHaveBeenCalled();
  });

  it('lets a throw in the page’s own start through, rather than calling it a failed check', async () => {
    answer = signedInAs('Anna');
    const callbacks = {
      ...page(),
      signedIn: () => {
        throw new Error('the page broke');
      },
    };
    await expect(client.startSession(callbacks)).rejects.toThrow('the page broke');
    expect(callbacks.checkFailed).not.toHaveBeenCalled();
  });

  it('forgets, at sign-out, the drafts and what was kept open in this tab, and nothing else', async () => {
    storage.setItem('welfare.draft./console.note-form', '{"text":"Ringte datteren"}');
    client.keepOpenForSignIn('alarm-7');
    storage.setItem('welfare.language', 'nb');
    answer = () => Promise.resolve(Response.json({ redirect: '/auth/signed-out' }));
    await client.signOut();
    expect(storage.keys()).toEqual(['welfare.language']);
    expect(assigned.at(-1)).toBe('/auth/signed-out');
    expect(client.sessionHeaders()).toEqual({});
  });
});
