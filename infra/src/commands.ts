import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** True when `cmd` is an executable on PATH (or in the sbin dirs a non-login root PATH may lack). */
export function hasCommand(cmd: string): boolean {
  return commandPath(cmd) !== null;
}

/** Where `cmd` is: on PATH, or in an sbin dir a non-login root PATH may lack (spawn it by this path). */
export function commandPath(cmd: string): string | null {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/local/sbin', '/usr/sbin', '/sbin']);
  const dir = dirs.find((candidate) => candidate !== '' && existsSync(join(candidate, cmd)));
  return dir === undefined ? null : join(dir, cmd);
}

/** Runs a command to completion; rejects with its output on a non-zero exit or after timeoutMs. */
export function runCommand(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`${cmd} ${args.join(' ')}: ${err.message.trim()} ${stdout.trim()} ${stderr.trim()}`.trim()));
      else resolve(stdout);
    });
  });
}
