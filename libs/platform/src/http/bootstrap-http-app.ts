import { DynamicModule, INestApplication, Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'nestjs-pino';
import { CommonSettings } from '../config/common-settings';
import { HttpErrorFilter } from '../errors/http-exception.filter';
import { armCrashPoint } from '../faults/crash-point';
import { refuseHostileJson } from './hostile-json.middleware';
import { MESSAGE_TRANSPORT } from '../messaging/message-transport';
import type { CustomTransportStrategy } from '@nestjs/microservices';

export interface HttpAppOptions {
  module: DynamicModule;
  settings: CommonSettings;
  /** Publishes an OpenAPI document at /api/openapi.json and a browsable UI at /api/docs. */
  openApi?: { title: string; description: string; version: string };
  /** Skip listen() (tests that call app.init() and their own listen). */
  listen?: boolean;
}

export const OPENAPI_JSON_PATH = 'api/openapi.json';
export const OPENAPI_UI_PATH = 'api/docs';
/** JSON bodies larger than this are refused with 413: no request of ours needs more. */
const JSON_BODY_LIMIT = '64kb';

/** Creates a Nest HTTP app configured the same way for every service. */
export async function createHttpApp(options: HttpAppOptions): Promise<INestApplication> {
  armCrashPoint(options.settings.CRASH_POINT);
  const app = await NestFactory.create<NestExpressApplication>(options.module, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(PinoLogger));
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.use(refuseHostileJson());
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new HttpErrorFilter());
  if (options.openApi) publishOpenApi(app, options.openApi);
  await startMessageTransport(app);
  if (options.listen !== false) {
    await app.listen(options.settings.HTTP_PORT, options.settings.HTTP_HOST);
    new Logger('Bootstrap').log(`HTTP listening on ${await app.getUrl()}`);
  }
  return app;
}

/**
 * Connects the service's message transport, if it has one, and starts it once the app is up
 * (its start-up hooks have run: views loaded, topics created): its handlers then take messages.
 */
async function startMessageTransport(app: INestApplication): Promise<void> {
  let strategy: CustomTransportStrategy;
  try {
    strategy = app.get<CustomTransportStrategy>(MESSAGE_TRANSPORT, { strict: false });
  } catch {
    return; // a service without a message transport
  }
  app.connectMicroservice({ strategy });
  await app.init();
  await app.startAllMicroservices();
}

function publishOpenApi(app: INestApplication, info: NonNullable<HttpAppOptions['openApi']>): void {
  const config = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A token from the identity provider (locally: npm run token)',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, { jsonDocumentUrl: OPENAPI_JSON_PATH });
}

/**
 * Runs a service's start-up and turns any failure (bad configuration above all) into one
 * clear line on stderr and exit code 1, instead of a stack trace in a restart loop.
 * A second signal, or a shutdown that hangs past the timeout, exits at once.
 */
export async function runService(
  name: string,
  start: () => Promise<INestApplication>,
  shutdownTimeoutMs: () => number,
): Promise<void> {
  try {
    const app = await start();
    // Nest runs the shutdown hooks (stop intake, finish in-flight work, commit, disconnect);
    // the timer only guards against a hook that never returns.
    app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        setTimeout(() => {
          process.stderr.write(`${name}: graceful shutdown took longer than ${shutdownTimeoutMs()} ms; exiting\n`);
          process.exit(1);
        }, shutdownTimeoutMs()).unref();
      });
    }
  } catch (error) {
    process.stderr.write(`${name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
