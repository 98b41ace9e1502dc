import { Controller, Get, OnModuleInit, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Public } from '@welfare/platform';
import { PageFile, sendPageFile, SHARED_PAGE_FILE_NAMES, sharedPageFiles } from '@welfare/web-pages';

/**
 * The nurses' phone page: static files, no build step. They sit in apps/home-care/public
 * and `npm run build` copies them to dist/apps/home-care/public, the same place relative to
 * this module in both trees. With them, the browser modules both pages share (libs/web-pages:
 * the live/API client, the translator, the vocabulary of libs/contracts). All are read once at
 * start-up: a missing file stops the start.
 */
export const PAGE_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

const OWN_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'push.js': 'text/javascript; charset=utf-8',
  'sw.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'messages.nb.json': 'application/json; charset=utf-8',
  'messages.en.json': 'application/json; charset=utf-8',
  'manifest.webmanifest': 'application/manifest+json; charset=utf-8',
  'icon.svg': 'image/svg+xml',
  // PNGs beside the SVG: iOS takes only a PNG apple-touch-icon for the home screen, and some
  // Android launchers want 192 and 512 px raster icons in the manifest.
  'apple-touch-icon.png': 'image/png',
  'icon-192.png': 'image/png',
  'icon-512.png': 'image/png',
} as const;
const PATHS = [...Object.keys(OWN_FILES), ...SHARED_PAGE_FILE_NAMES];

/**
 * The page holds health data once signed in: scripts, workers, the manifest and connections only
 * from this origin, never inside another site's frame, no referrer to tel: or other links.
 * `form-action 'none'` holds with sign-in: "Logg inn" is a navigation (location.assign to
 * /auth/sign-in, which redirects to the provider), not a form post, and actions go by fetch.
 */
const CSP =
  "default-src 'none'; script-src 'self'; worker-src 'self'; manifest-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Static files only, open to everyone (@Public): the data behind the page needs a session or a token like any API call. */
@ApiExcludeController()
@Public()
@Controller()
export class PageController implements OnModuleInit {
  private readonly files = new Map<string, PageFile>();

  onModuleInit(): void {
    for (const [name, type] of Object.entries(OWN_FILES)) {
      try {
        this.files.set(name, { type, body: readFileSync(`${PAGE_DIR}${name}`) });
      } catch (error) {
        throw new Error(
          `the phone page's ${name} is missing in ${PAGE_DIR} (npm run build copies apps/home-care/public there): ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    for (const [name, file] of Object.entries(sharedPageFiles())) this.files.set(name, file);
  }

  @Get()
  page(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get(PATHS)
  file(@Req() req: Request, @Res() res: Response): void {
    this.send(res, req.path.slice(1));
  }

  private send(res: Response, name: string): void {
    res.status(200).setHeader('Content-Security-Policy', CSP);
    sendPageFile(res, this.files.get(name)!);
  }
}
