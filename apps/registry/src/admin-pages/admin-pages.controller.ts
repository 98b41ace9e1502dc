import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Public } from '@welfare/access';
import { type PageFile, sendPageFile, sharedPageFiles } from '@welfare/web-pages';
import { RegistryConfig } from '../registry.config';

/**
 * The municipality administrators' pages at /admin: static files beside this file in `public/`
 * (copied to dist by the build), the browser modules the pages share (libs/web-pages), and
 * Leaflet (the map of safe zones) from node_modules, as the wallboard serves Chart.js. All are
 * read once at start-up: a missing file stops the start.
 */
const PUBLIC_DIR = new URL('./public/', import.meta.url);
const LEAFLET_DIST = join(dirname(createRequire(import.meta.url).resolve('leaflet')));
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

function readFiles(): Record<string, PageFile> {
  const own = (name: string, type: string): [string, PageFile] => [
    name,
    { type, body: readFileSync(new URL(name, PUBLIC_DIR)) },
  ];
  return {
    ...Object.fromEntries([
      own('index.html', 'text/html; charset=utf-8'),
      own('admin.js', JS),
      own('admin.css', CSS),
      own('zone-map.js', JS),
      own('forms.js', JS),
      own('messages.nb.json', JSON_TYPE),
      own('messages.en.json', JSON_TYPE),
    ]),
    'leaflet.js': { type: JS, body: readFileSync(join(LEAFLET_DIST, 'leaflet.js')) },
    'leaflet.css': { type: CSS, body: readFileSync(join(LEAFLET_DIST, 'leaflet.css')) },
    ...sharedPageFiles(),
  };
}

/**
 * The pages hold personal data once signed in: our own scripts only, this origin only (and the
 * map tiles' origin for images), never framed. `form-action 'none'`: forms are sent by fetch.
 */
function contentSecurityPolicy(tileUrl: string): string {
  const tiles = tileUrl ? ` ${new URL(tileUrl.replace(/\{[a-z]\}/g, '0')).origin}` : '';
  return `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:${tiles}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

/**
 * Public like the console's files: a browser fetches the page before anyone can sign in. The
 * files and the map settings hold no data; every call the page makes to the API carries the
 * administrator's session cookie (and the CSRF header) and is fenced like any other call.
 */
@ApiExcludeController()
@Public()
@Controller('admin')
export class AdminPagesController {
  private readonly files = readFiles();
  private readonly csp: string;
  private readonly tileUrl: string;

  constructor(private readonly config: RegistryConfig) {
    this.tileUrl = config.ADMIN_MAP_TILE_URL === 'none' ? '' : config.ADMIN_MAP_TILE_URL;
    this.csp = contentSecurityPolicy(this.tileUrl);
  }

  @Get()
  page(@Res() response: Response): void {
    this.send(response, 'index.html');
  }

  /** The map's settings: where tiles come from (none when empty) and their attribution. */
  @Get('settings.json')
  settings(@Res() response: Response): void {
    response.setHeader('Content-Security-Policy', this.csp);
    sendPageFile(response, {
      type: JSON_TYPE,
      body: Buffer.from(JSON.stringify({ tileUrl: this.tileUrl, attribution: this.config.ADMIN_MAP_ATTRIBUTION })),
    });
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (file === 'index.html' || !Object.hasOwn(this.files, file)) throw new NotFoundException(`no admin file ${file}`);
    this.send(response, file);
  }

  private send(response: Response, name: string): void {
    response.setHeader('Content-Security-Policy', this.csp);
    sendPageFile(response, this.files[name]);
  }
}
