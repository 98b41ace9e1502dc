/**
 * Children the benchmark starts in their own process group get no Ctrl-C from the terminal and
 * nothing stops them when the benchmark dies. This kills one on the benchmark's 'exit', and
 * through a detached watchdog when the benchmark is SIGKILLed.
 */
import { spawn } from 'node:child_process';

/** Arms both guards for `pid`; returns the function that disarms them (call it once the child exited). */
export function guardAgainstOrphan(pid: number): () => void {
  const onExit = (): void => safeKill(pid, 'SIGKILL');
  process.on('exit', onExit);
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -TERM ${pid} 2>/dev/null`;
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return () => {
    process.off('exit', onExit);
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
