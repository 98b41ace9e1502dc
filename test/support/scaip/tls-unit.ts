import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, TLSSocket } from 'node:tls';
import * as sip from 'sip';
import type { SipMessage } from 'sip';
import * as digest from 'sip/digest.js';

/** A self-signed certificate for 127.0.0.1, made with openssl: the gateway's cert and key, and what a unit trusts. */
export function selfSignedCertificate(): { certFile: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scaip-tls-'));
  const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

export interface TlsUnitResult {
  /** Statuses of the gateway's responses to the unit's MESSAGEs, in order (401 then 200 when signed). */
  statuses: number[];
  /** The body of the gateway's receipt MESSAGE, or null when none came. */
  receipt: string | null;
}

/**
 * A SCAIP unit over SIP/TLS (SIPp here is built without TLS): a Node TLS client that checks the
 * gateway's certificate against `ca`, sends a MESSAGE, answers the digest challenge, and answers
 * the gateway's receipt MESSAGE with 200 on the same connection. Messages are built and read by
 * the `sip` package (its serialiser and stream parser).
 */
export async function sendOverTls(
  port: number,
  unit: { ca: Buffer; user: string; password: string; body: string },
): Promise<TlsUnitResult> {
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    const connecting = connect({ host: '127.0.0.1', port, ca: unit.ca }, () => resolve(connecting));
    connecting.once('error', reject);
  });
  const inbox = new MessageInbox(socket);
  try {
    const statuses: number[] = [];
    const request = messageRequest(port, socket.localPort ?? 0, unit.user, unit.body);
    socket.write(sip.stringify(request), 'binary');
    let response = await inbox.next((message) => message.status !== undefined);
    statuses.push(response.status!);
    if (response.status === 401) {
      // signRequest adds the Authorization header to the request itself.
      digest.signRequest({}, request, response, { user: unit.user, password: unit.password });
      request.headers.cseq = { method: 'MESSAGE', seq: 2 };
      request.headers.via![0].params.branch = branch();
      socket.write(sip.stringify(request), 'binary');
      response = await inbox.next((message) => message.status !== undefined);
      statuses.push(response.status!);
    }
    if (response.status !== 200) return { statuses, receipt: null };
    const receipt = await inbox.next((message) => message.method === 'MESSAGE');
    socket.write(sip.stringify(sip.makeResponse(receipt, 200, 'OK')), 'binary');
    return { statuses, receipt: receipt.content ?? '' };
  } finally {
    socket.end();
  }
}

function messageRequest(port: number, localPort: number, user: string, body: string): SipMessage {
  const gateway = `sips:scaip@127.0.0.1:${port}`;
  return {
    method: 'MESSAGE',
    uri: gateway,
    version: '2.0',
    headers: {
      via: [{ version: '2.0', protocol: 'TLS', host: '127.0.0.1', port: localPort, params: { branch: branch() } }],
      from: { uri: `sips:${user}@127.0.0.1:${localPort}`, params: { tag: randomBytes(4).toString('hex') } },
      to: { uri: gateway, params: {} },
      'call-id': `${randomBytes(8).toString('hex')}@tls-unit`,
      cseq: { method: 'MESSAGE', seq: 1 },
      'max-forwards': 70,
      'content-type': 'application/scaip+xml',
    },
    content: body,
  };
}

const branch = () => `z9hG4bK${randomBytes(6).toString('hex')}`;

/** The messages arriving on the connection, taken in order by what the caller waits for (10 s each). */
class MessageInbox {
  private readonly arrived: SipMessage[] = [];
  private wake: (() => void) | null = null;

  constructor(socket: TLSSocket) {
    const parse = sip.makeStreamParser((message) => {
      this.arrived.push(message);
      this.wake?.();
    });
    socket.setEncoding('binary');
    socket.on('data', (data: string) => parse(data));
  }

  async next(matches: (message: SipMessage) => boolean): Promise<SipMessage> {
    const until = Date.now() + 10_000;
    for (;;) {
      const index = this.arrived.findIndex(matches);
      if (index >= 0) return this.arrived.splice(index, 1)[0];
      const left = until - Date.now();
      if (left <= 0) throw new Error('no such SIP message from the gateway within 10 s');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
