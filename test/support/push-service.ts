import { execFileSync } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One request the stand-in push service received. */
export interface PushRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Plays a Web Push service on 127.0.0.1 for tests, over HTTPS as a real one (a certificate made
 * with openssl for 127.0.0.1; `caFile` is what the sender must trust): takes messages at
 * /push/<name> and answers 201, or 410 for a name it was told is gone, and keeps every request.
 */
export class StandInPushService {
  readonly requests: PushRequest[] = [];
  private readonly gone = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    readonly caFile: string,
    private readonly dir: string,
  ) {}

  static async start(): Promise<StandInPushService> {
    const dir = mkdtempSync(join(tmpdir(), 'push-service-'));
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) });
    const origin = () => `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const service = new StandInPushService(server, origin(), cert, dir);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '';
        service.requests.push({ path, headers: request.headers, body: Buffer.concat(chunks) });
        response.writeHead(service.gone.has(path) ? 410 : 201).end();
      });
    });
    return service;
  }

  /** A browser's subscription at this service: endpoint, and the keys the browser would hold. */
  subscription(name: string, { gone = false } = {}): BrowserSubscription {
    const path = `/push/${name}`;
    if (gone) this.gone.add(path);
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    return {
      endpoint: `${this.origin}${path}`,
      path,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
      ecdh,
      auth,
    };
  }

  requestsTo(path: string): PushRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface BrowserSubscription {
  endpoint: string;
  path: string;
  keys: { p256dh: string; auth: string };
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
}
