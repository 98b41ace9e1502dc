/**
 * Crash points for fault tests. Some windows are too narrow to hit by killing a process from
 * outside, e.g. between a consumer's database commit and its Kafka offset commit. A fault test
 * starts a service with CRASH_POINT=<point>:<n>, and the process SIGKILLs itself (no cleanup,
 * as on a power cut) the n-th time it passes <point>. Unset, as in production, it does nothing.
 */
let armed: { point: string; remaining: number } | null = null;

/** `setting` is CRASH_POINT, already validated as "<point>:<n>". */
export function armCrashPoint(setting: string | undefined): void {
  if (!setting) return;
  const [point, count] = setting.split(':');
  armed = { point, remaining: Number(count) };
}

export function crashPoint(point: string): void {
  if (armed?.point !== point || --armed.remaining > 0) return;
  process.stderr.write(`crash point ${point} reached: SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}
