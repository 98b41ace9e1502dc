import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFileSync } from 'node:child_process';

const run = promisify(execFile);

/** SIPp (Debian package sip-tester) plays SCAIP units: installed here when missing, as browser.ts installs chromium. */
export function ensureSipp(): string {
  const found = () => {
    try {
      return execFileSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  if (found()) return found();
  // As root (CI) directly, else through passwordless sudo, as browser.ts installs chromium.
  const apt = process.getuid?.() === 0 ? 'apt-get' : 'sudo -n apt-get';
  execFileSync(
    'sh',
    ['-c', `${apt} install -y -qq sip-tester || (${apt} update -qq && ${apt} install -y -qq sip-tester)`],
    {
      stdio: 'ignore',
    },
  );
  const path = found();
  if (!path) throw new Error('SIPp (sip-tester) is not installed and could not be installed with apt-get');
  return path;
}

/** A free TCP port on 127.0.0.1 (SIP listens on the same number for UDP and TCP). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface UnitMessage {
  /** The user part of the unit's From (units put their controller id there). */
  user: string;
  body: string;
  contentType?: string;
  /** The receipt expected back: its snu; null expects a SIP failure status instead of 200 + receipt. */
  expectSnu: number | null;
  /** With expectSnu null: the status expected. */
  expectStatus?: number;
  transport?: 'u1' | 't1';
  /** SIP digest credentials: the unit sends, is challenged (401), and sends again signed. */
  auth?: { user: string; password: string };
  /** Instead of `auth`: an Authorization header sent as given, unchallenged (a replay of one seen before). */
  authorization?: string;
}

/**
 * One SCAIP MESSAGE sent by SIPp as the unit: it expects `200 OK`, then the gateway's MESSAGE
 * with `<mrs>` carrying `expectSnu` (checked by SIPp: a different one fails the call), which it
 * answers with `200 OK`; or only the failure status. Resolves with SIPp's exit code (0 = passed).
 */
export async function sendAsUnit(
  gatewayPort: number,
  message: UnitMessage,
): Promise<{ code: number; output: string; authorization?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const scenario = join(dir, 'unit.xml');
  writeFileSync(scenario, scenarioXml(message));
  const localPort = await freePort();
  const args = [
    `127.0.0.1:${gatewayPort}`,
    ...['-sf', scenario, '-m', '1', '-t', message.transport ?? 'u1', '-i', '127.0.0.1', '-p', String(localPort)],
    ...[
      '-timeout',
      '20s',
      '-timeout_error',
      '-recv_timeout',
      '15000',
      '-nostdin',
      '-trace_msg',
      '-trace_err',
      '-error_file',
      join(dir, 'errors.log'),
    ],
  ];
  try {
    const { stdout } = await run(ensureSipp(), args, { cwd: dir, timeout: 30_000 });
    return { code: 0, output: stdout, authorization: lastAuthorizationSent(dir) };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    let errors = '';
    try {
      errors = execFileSync('cat', [join(dir, 'errors.log')], { encoding: 'utf8' });
    } catch {
      /* no error file */
    }
    return { code: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}\n${errors}` };
  }
}

/** The Authorization header of the last request SIPp sent (from its -trace_msg log), as an eavesdropper would see it. */
function lastAuthorizationSent(dir: string): string | undefined {
  const log = readdirSync(dir).find((name) => name.endsWith('_messages.log'));
  if (!log) return undefined;
  const headers = readFileSync(join(dir, log), 'utf8')
    .split(/\r?\n/)
    .filter((line) => /^Authorization:/i.test(line));
  return headers.at(-1)?.replace(/^Authorization:\s*/i, '');
}

function scenarioXml(message: UnitMessage): string {
  const request = (cseq: number, authorization: string) => `<send><![CDATA[
MESSAGE sip:scaip@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:${message.user}@[local_ip]:[local_port]>;tag=[pid]unit[call_number]
To: <sip:scaip@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: ${cseq} MESSAGE
User-Agent: SIPp SCAIP unit${authorization}
Content-Type: ${message.contentType ?? 'application/scaip+xml'}
Content-Length: [len]

${message.body}]]></send>`;
  const send = message.authorization
    ? request(1, `\nAuthorization: ${message.authorization}`)
    : message.auth
      ? `${request(1, '')}\n  <recv response="401" auth="true"/>\n  ${request(2, `\n[authentication username=${message.auth.user} password=${message.auth.password}]`)}`
      : request(1, '');
  const answer =
    message.expectSnu === null
      ? `<recv response="${message.expectStatus ?? 400}"/>`
      : `<recv response="200"/>
  <recv request="MESSAGE">
    <action><ereg regexp="&lt;snu&gt;${message.expectSnu}&lt;/snu&gt;" search_in="body" check_it="true" assign_to="snu"/></action>
  </recv>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]unit
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="SCAIP unit">
  ${send}
  ${answer}
  ${message.expectSnu === null ? '' : '<Reference variables="snu"/>'}
</scenario>
`;
}

/**
 * One raw SIP request over UDP from a hostile sender (bodies SIPp's scenario parser will not
 * carry, truncated messages): resolves with the status of the first response, or null after 3 s.
 */
export async function sendRawUdp(
  gatewayPort: number,
  body: Buffer,
  options: { contentLength?: number } = {},
): Promise<number | null> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  const head = [
    `MESSAGE sip:scaip@127.0.0.1:${gatewayPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${Math.random().toString(36).slice(2)}`,
    'Max-Forwards: 70',
    `From: <sip:hostile@127.0.0.1:${port}>;tag=h${port}`,
    `To: <sip:scaip@127.0.0.1:${gatewayPort}>`,
    `Call-ID: ${Math.random().toString(36).slice(2)}@hostile`,
    'CSeq: 1 MESSAGE',
    'Content-Type: application/scaip+xml',
    `Content-Length: ${options.contentLength ?? body.byteLength}`,
    '',
    '',
  ].join('\r\n');
  const status = new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), 3000);
    socket.on('message', (data) => {
      const line = data.toString('latin1').split('\r\n')[0];
      if (line.startsWith('SIP/2.0 ')) {
        clearTimeout(timer);
        resolve(Number(line.split(' ')[1]));
      }
    });
  });
  socket.send(Buffer.concat([Buffer.from(head, 'latin1'), body]), gatewayPort, '127.0.0.1');
  try {
    return await status;
  } finally {
    socket.close();
  }
}
