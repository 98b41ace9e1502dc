/** The few pages the sign-in itself shows: plain HTML, no script, Norwegian first. */
export const SIGN_IN_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function providerAwayPage(retryUrl: string): string {
  return page(
    'Innlogging er ikke tilgjengelig',
    `<p>Innloggingstjenesten svarer ikke akkurat nå. Alarmer blir fortsatt tatt imot og lagret.</p>
    <p><a href="${escapeHtml(retryUrl)}">Prøv igjen</a></p>
    <p lang="en">The sign-in service cannot be reached right now. Alarms are still received and kept. <a href="${escapeHtml(retryUrl)}">Try again</a>.</p>`,
  );
}

export function signInFailedPage(reason: string, retryUrl: string): string {
  return page(
    'Innloggingen mislyktes',
    `<p>${escapeHtml(reason)}</p>
    <p><a href="${escapeHtml(retryUrl)}">Logg inn på nytt</a> <span lang="en">(sign in again)</span></p>`,
  );
}

export function signedOutPage(pageUrl: string): string {
  return page(
    'Du er logget ut',
    `<p>Du er logget ut. <span lang="en">You are signed out.</span></p>
    <p><a href="${escapeHtml(pageUrl)}">Logg inn igjen</a></p>`,
  );
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="nb">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)}</title>
    <style>
      body { font: 1.1rem/1.5 system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; }
      :focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
    </style>
  </head>
  <body>
    <main>
      <h1>${escapeHtml(title)}</h1>
      ${content}
    </main>
  </body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
