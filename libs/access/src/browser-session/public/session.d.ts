// Types of the pages' shared sign-in module (session.js), for the TypeScript that tests it.
export interface PageSession {
  actor: Record<string, unknown>;
  csrfToken: string;
}
export declare function currentSession(): Promise<PageSession | null>;
export declare function sessionHeaders(): Record<string, string>;
export declare function signIn(): void;
/** Resolves with what the callback the page was handed to returned. */
export declare function startSession(page: {
  signedIn: (session: PageSession, reopen: string | null) => unknown;
  signedOut: () => unknown;
  checkFailed: (error: Error) => unknown;
}): Promise<unknown>;
export declare function keepOpenForSignIn(what: string): void;
export declare function signOut(): Promise<void>;
export declare function keepDrafts(form: unknown): void;
