import { spawn } from 'node:child_process';

const livePids = new Set<number>();
let exitHookInstalled = false;

/**
 * A server child (Kafka's JVM, Mosquitto) must not outlive the node process that started it.
 * Kills it when node exits: synchronously from process 'exit' (normal exit, process.exit), and
 * through a detached shell watchdog where 'exit' never fires (SIGKILL of the test worker, an
 * unhandled SIGINT). Returns the function that disarms both.
 */
export function guardAgainstOrphan(pid: number): () => void {
  livePids.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => livePids.forEach((p) => safeKill(p, 'SIGKILL')));
  }
  const watchdog = spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -KILL ${pid} 2>/dev/null`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  return () => {
    livePids.delete(pid);
    if (watchdog.pid !== undefined) safeKill(watchdog.pid, 'SIGKILL');
  };
}

function safeKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
