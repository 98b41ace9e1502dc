/**
 * Where a process's CPU went, from a V8 `.cpuprofile` (`node --cpu-prof`): self time summed by
 * package (or the project's own folder) and by function, idle left out.
 *
 *   NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- ...
 *   node dist/scripts/bench/cpu-profile-summary.js /tmp/prof/*.cpuprofile
 *
 * Each service writes its profile when it stops (SIGTERM, as the benchmark stops them).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const TOP = 25;

/** The package a script belongs to: node_modules/<pkg>, the project's top folders, node's internals. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return 'node (internals)';
  const own = /\/dist\/((?:apps|libs)\/[^/]+|scripts|infra)\//.exec(url);
  return own ? own[1] : url;
}

function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  return self;
}

function summarise(path: string): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const self = selfTimes(profile);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const micros = self.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (micros === 0 || functionName === '(idle)') continue;
    busy += micros;
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    const fn = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(node_modules|dist)\//, '')}:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  const table = (title: string, rows: Map<string, number>) =>
    [
      `  ${title}`,
      ...[...rows.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP)
        .map(([name, micros]) => `    ${((100 * micros) / busy).toFixed(1).padStart(5)} %  ${name}`),
    ].join('\n');
  return [
    `${basename(path)}: ${(busy / 1000).toFixed(0)} ms busy (idle left out)`,
    table('self time by package', byPackage),
    table('self time by function', byFunction),
  ].join('\n');
}

const paths = process.argv.slice(2);
if (paths.length === 0) {
  process.stderr.write('usage: node dist/scripts/bench/cpu-profile-summary.js FILE.cpuprofile...\n');
  process.exit(2);
}
process.stdout.write(`${paths.map(summarise).join('\n\n')}\n`);
