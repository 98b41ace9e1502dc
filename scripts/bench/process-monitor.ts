/**
 * Memory (RSS) and CPU time of the processes under test, and how busy the whole machine is,
 * read from /proc (Linux). CPU shares over a phase show where the time goes: a process far
 * below 100 % of a core while the rate is capped is waiting, not computing; a machine near
 * 100 % busy means every process is competing for the two cores.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Kernel clock ticks per second for /proc times (USER_HZ; 100 on Linux x86 and arm). */
const TICKS_PER_SECOND = 100;

/** One line of the table; a group (e.g. a database's backends) sums its processes. */
export interface WatchedProcess {
  name: string;
  /** Read at every sample: a group's members may come and go. */
  pids: () => number[];
  /** False for PostgreSQL backends: each one's RSS counts the same shared buffers again. */
  reportRss?: boolean;
  /** Where an id's stat and status are; default /proc/<id> (a thread's own are under /proc/<pid>/task/<tid>). */
  procDir?: (id: number) => string;
}

export interface ProcessUsage {
  name: string;
  /** Null when the RSS of this process or group means nothing (see WatchedProcess.reportRss). */
  rssMb: number | null;
  peakRssMb: number | null;
  /** Share of one core over the window, percent. */
  cpuPercent: number;
  /** CPU time (user + system) over the window, seconds. */
  cpuSeconds: number;
}

export interface MachineUsage {
  /** Busy share of all cores over the window, percent (100 = every core busy). */
  busyPercent: number;
  cores: number;
}

interface PidSample {
  rssBytes: number;
  cpuSeconds: number;
}

export interface Snapshot {
  at: number;
  byName: Map<string, Map<number, PidSample>>;
  machine: { busyTicks: number; totalTicks: number };
}

export class ProcessMonitor {
  private readonly peakRss = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly processes: WatchedProcess[]) {}

  /** Samples every second, to catch the peak RSS between snapshots. */
  start(): void {
    this.timer = setInterval(() => void this.snapshot(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  snapshot(): Snapshot {
    const byName = new Map<string, Map<number, PidSample>>();
    for (const { name, pids, procDir = (pid: number) => `/proc/${pid}` } of this.processes) {
      const samples = new Map<number, PidSample>();
      for (const pid of pids()) {
        const sample = readPid(procDir(pid));
        if (sample) samples.set(pid, sample);
      }
      byName.set(name, samples);
      this.peakRss.set(name, Math.max(this.peakRss.get(name) ?? 0, sumRss(samples)));
    }
    return { at: Date.now(), byName, machine: readMachine() };
  }

  /** RSS now and CPU share since `since`, per watched process or group. */
  usageSince(since: Snapshot): ProcessUsage[] {
    const now = this.snapshot();
    const seconds = (now.at - since.at) / 1000;
    return this.processes.flatMap(({ name, reportRss = true }) => {
      const [before, after] = [since.byName.get(name), now.byName.get(name)];
      if (!before || !after || after.size === 0) return [];
      let cpuSeconds = 0;
      for (const [pid, sample] of after) {
        const earlier = before.get(pid);
        if (earlier) cpuSeconds += sample.cpuSeconds - earlier.cpuSeconds;
      }
      const rssMb = reportRss ? toMb(sumRss(after)) : null;
      const peakRssMb = reportRss ? toMb(this.peakRss.get(name) ?? 0) : null;
      return [{ name, rssMb, peakRssMb, cpuPercent: (cpuSeconds / seconds) * 100, cpuSeconds }];
    });
  }

  machineSince(since: Snapshot): MachineUsage {
    const now = readMachine();
    const busy = now.busyTicks - since.machine.busyTicks;
    const total = now.totalTicks - since.machine.totalTicks;
    return { busyPercent: total > 0 ? (busy / total) * 100 : 0, cores: cpus().length };
  }
}

function readPid(dir: string): PidSample | null {
  try {
    const status = readFileSync(`${dir}/status`, 'utf8');
    const stat = readFileSync(`${dir}/stat`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    // Fields after "(comm) ": state is field 3, utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssBytes: rssKb * 1024, cpuSeconds: ticks / TICKS_PER_SECOND };
  } catch {
    return null; // gone, or not ours to read
  }
}

/** The "cpu" line of /proc/stat: user nice system idle iowait irq softirq steal ... */
function readMachine(): Snapshot['machine'] {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((sum, value) => sum + value, 0);
    return { busyTicks: total - ticks[3] - ticks[4], totalTicks: total };
  } catch {
    return { busyTicks: 0, totalTicks: 0 };
  }
}

function sumRss(samples: Map<number, PidSample>): number {
  let bytes = 0;
  for (const sample of samples.values()) bytes += sample.rssBytes;
  return bytes;
}

function toMb(bytes: number): number {
  return bytes / (1024 * 1024);
}
