import { ChildProcess, spawn } from 'node:child_process';

/**
 * A server (aedes, PGlite) run as a child node process from an inline CommonJS script.
 *
 * Why a child and not in-process: aedes is ESM-only and PGlite loads extensions with import();
 * jest on Node 20 supports neither in the test's own process. A child also keeps PGlite's
 * synchronous WASM work off the event loop of the app under test, and can be SIGKILLed or
 * SIGSTOPped by fault tests like a real server.
 *
 * Contract with the script: it sends `{ port }` over IPC once listening (or `{ error }`), shuts
 * down cleanly on SIGTERM, and on IPC 'disconnect' -- which is how it never outlives this
 * process, even when this process is SIGKILLed.
 */
export interface NodeChild {
  pid: number;
  port: number;
  /** SIGTERM, SIGKILL after graceMs; resolves once the process has exited. */
  stop(): Promise<void>;
  exited: Promise<void>;
}

type ChildMessage = { port: number } | { error: string };

export async function startNodeChild(
  name: string,
  script: string,
  env: Record<string, string>,
  opts: { startTimeoutMs?: number; graceMs?: number } = {},
): Promise<NodeChild> {
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const port = await waitForPort(name, child, opts.startTimeoutMs ?? 30_000);
  child.unref(); // a forgotten stop() must not keep jest or a script alive...
  child.channel?.unref(); // ...nor the IPC channel
  if (child.pid === undefined) throw new Error(`${name}: child has no pid`);
  const graceMs = opts.graceMs ?? 10_000;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT'); // a SIGSTOPped child could not act on SIGTERM
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { pid: child.pid, port, stop, exited };
}

function waitForPort(name: string, child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${timeoutMs} ms`)), timeoutMs);
    child.once('message', (msg: ChildMessage) => {
      clearTimeout(timer);
      if ('port' in msg) resolve(msg.port);
      else fail(new Error(`${name} failed to start: ${msg.error}`));
    });
    child.once('exit', (code, signal) => fail(new Error(`${name} exited during startup (${signal ?? code})`)));
    child.once('error', fail);
  });
}

/** Shared prologue of the child scripts: report failures over IPC, then exit. */
export const CHILD_PROLOGUE = `
const fail = (err) => { try { process.send({ error: String((err && err.stack) || err) }); } catch {} process.exit(1); };
const onShutdown = (fn) => {
  let closing = false;
  const go = () => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(0), 8000).unref();
    Promise.resolve().then(fn).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', go);
  process.on('SIGINT', go);
  process.on('disconnect', go);
};
`;
