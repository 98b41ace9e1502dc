import { Controller, Get, Header, NotFoundException, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExcludeEndpoint,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Actor, CurrentActor, Public, Roles } from '@welfare/access';
import { type PageFile, sendPageFile, sharedPageFiles } from '@welfare/web-pages';
import { WallboardDto } from './wallboard.dto';
import { WallboardService, type WallboardFigures } from './wallboard.service';

/**
 * The page's files beside this file in `public/` (copied to dist by the build), Chart.js from
 * node_modules, and the browser modules the console shares (libs/web-pages: the API and live
 * client, the translator, the vocabulary).
 */
const PUBLIC_DIR = new URL('./public/', import.meta.url);
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
const FILES: Record<string, PageFile> = {
  ...Object.fromEntries(
    [
      ['index.html', 'text/html; charset=utf-8'],
      ['wallboard.js', 'text/javascript; charset=utf-8'],
      ['wallboard.css', 'text/css; charset=utf-8'],
      ['messages.nb.json', 'application/json; charset=utf-8'],
      ['messages.en.json', 'application/json; charset=utf-8'],
    ].map(([name, type]) => [name, { type, body: readFileSync(new URL(name, PUBLIC_DIR)) }]),
  ),
  'chart.umd.min.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(CHART_JS) },
  ...sharedPageFiles(),
};

/** As the console's: our own scripts only, this origin only, never framed. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The supervisors' wallboard: the page at /wallboard (public, like the console: it holds no data;
 * the supervisor signs in through the service's session, as on the console) and its figures at
 * /api/wallboard/centres/{id} (the session cookie, or a bearer token for machine clients).
 */
@ApiTags('wallboard')
@Controller()
export class WallboardController {
  constructor(private readonly wallboard: WallboardService) {}

  @Get('api/wallboard/centres/:centreId')
  @Roles('supervisor')
  @ApiBearerAuth()
  @ApiUnauthorizedResponse({ description: 'No valid bearer token or session' })
  @ApiForbiddenResponse({ description: 'Not a supervisor' })
  @ApiNotFoundResponse({ description: 'Not your centre' })
  @ApiOkResponse({ type: WallboardDto, description: "Today's figures (Norwegian time) and the queue as it is now" })
  figures(
    @CurrentActor() actor: Actor,
    @Param('centreId', new ParseUUIDPipe()) centreId: string,
  ): Promise<WallboardFigures> {
    return this.wallboard.board(actor, centreId);
  }

  @Get('wallboard')
  @Public()
  @ApiExcludeEndpoint()
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  page(@Res() response: Response): void {
    send(response, 'index.html');
  }

  @Get('wallboard/:file')
  @Public()
  @ApiExcludeEndpoint()
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (file === 'index.html' || !Object.hasOwn(FILES, file)) throw new NotFoundException(`no wallboard file ${file}`);
    send(response, file);
  }
}

function send(response: Response, name: string): void {
  sendPageFile(response, FILES[name]);
}
