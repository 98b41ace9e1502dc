import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { Public } from '@welfare/access';
import { PageFile, sendPageFile, sharedPageFiles } from '@welfare/web-pages';

/**
 * The operator console's static files, read once at start-up. They live beside this file in
 * `public/`; `npm run build` copies that folder next to the compiled controller, so the same
 * lookup works from the sources (tests) and from dist (npm start, the Docker image). With them,
 * the browser modules both pages share (libs/web-pages: the live/API client, the translator,
 * the vocabulary of libs/contracts).
 */
const PUBLIC_DIR = new URL('./public/', import.meta.url);
const FILES: Record<string, PageFile> = {
  ...Object.fromEntries(
    [
      ['index.html', 'text/html; charset=utf-8'],
      ['console.js', 'text/javascript; charset=utf-8'],
      ['console.css', 'text/css; charset=utf-8'],
      ['messages.nb.json', 'application/json; charset=utf-8'],
      ['messages.en.json', 'application/json; charset=utf-8'],
    ].map(([name, type]) => [name, { type, body: readFileSync(new URL(name, PUBLIC_DIR)) }]),
  ),
  ...sharedPageFiles(),
};

/**
 * The page shows health data once signed in: it may run only our own script (and /auth/session.js),
 * talk only to this origin, and never be framed by another site. `form-action 'none'` holds with
 * sign-in: "Logg inn" navigates to /auth/sign-in (which redirects to the provider), no form is posted.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Serves the operator console at /console. Public because a browser fetches a page and its
 * script before anyone can sign in; the files hold no data, and every call the page makes to
 * the API carries the operator's session cookie (or a token) and is checked like any other.
 */
@ApiExcludeController()
@Public()
@Controller('console')
export class ConsoleController {
  @Get()
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  page(@Res() response: Response): void {
    send(response, 'index.html');
  }

  @Get(':file')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (file === 'index.html' || !Object.hasOwn(FILES, file)) throw new NotFoundException(`no console file ${file}`);
    send(response, file);
  }
}

function send(response: Response, name: string): void {
  sendPageFile(response, FILES[name]);
}
