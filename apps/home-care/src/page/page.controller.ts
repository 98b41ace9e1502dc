import { Controller, Get, Header, OnModuleInit, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Public } from '@welfare/platform';

/**
 * The nurses' phone page: three static files, no build step. They sit in apps/home-care/public
 * and `npm run build` copies them to dist/apps/home-care/public, the same place relative to
 * this module in both trees. They are read once at start-up: a missing file stops the start.
 */
export const PAGE_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;
type PageFile = keyof typeof FILES;

/**
 * The page holds health data once signed in: scripts and connections only from this origin,
 * never inside another site's frame, no referrer to tel: or other links.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Static files only, open to everyone (@Public): the data behind the page needs a session or a token like any API call. */
@ApiExcludeController()
@Public()
@Controller()
export class PageController implements OnModuleInit {
  private readonly files = new Map<PageFile, Buffer>();

  onModuleInit(): void {
    for (const name of Object.keys(FILES) as PageFile[]) {
      try {
        this.files.set(name, readFileSync(`${PAGE_DIR}${name}`));
      } catch (error) {
        throw new Error(
          `the phone page's ${name} is missing in ${PAGE_DIR} (npm run build copies apps/home-care/public there): ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  }

  @Get()
  page(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get('index.html')
  index(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get('app.js')
  @Header('Cache-Control', 'no-cache')
  script(@Res() res: Response): void {
    this.send(res, 'app.js');
  }

  @Get('app.css')
  style(@Res() res: Response): void {
    this.send(res, 'app.css');
  }

  private send(res: Response, name: PageFile): void {
    res
      .status(200)
      .setHeader('Content-Type', FILES[name])
      .setHeader('Cache-Control', 'no-cache')
      .setHeader('Content-Security-Policy', CSP)
      .setHeader('X-Content-Type-Options', 'nosniff')
      .setHeader('Referrer-Policy', 'no-referrer')
      .send(this.files.get(name));
  }
}
