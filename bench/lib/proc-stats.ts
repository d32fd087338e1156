/** Linux /proc readings: resident memory of a process, and the inotify watches it holds. */
import fs from 'node:fs';

/** VmRSS of a process in KiB, from /proc/<pid>/status; undefined when it is gone. */
export function vmRssKb(pid: number | 'self' = 'self'): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Proportional set size in KiB (shared pages split between the processes that map them),
 * from /proc/<pid>/smaps_rollup: summing Pss over processes does not double-count the
 * node binary's shared pages the way summing RSS does.
 */
export function pssKb(pid: number | 'self' = 'self'): number | undefined {
  try {
    const m = /^Pss:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Inotify watches a process holds: the `inotify wd:` lines of each inotify fd's fdinfo. */
export function inotifyWatches(pid: number | 'self' = 'self'): number {
  let total = 0;
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0;
  }
  for (const fd of fds) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      const info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      total += info.split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // fd closed while we looked
    }
  }
  return total;
}

/** Samples RSS and Pss summed over a changing set of pids; keeps the peaks. */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  peakRssKb = 0;
  peakPssKb = 0;
  peakProcesses = 0;
  /** Processes alive at the sample with the peak Pss. */
  processesAtPeakPss = 0;
  samples = 0;

  constructor(
    private readonly pids: () => Iterable<number>,
    private readonly everyMs = 100,
  ) {}

  sample(): void {
    let rss = 0;
    let pss = 0;
    let n = 0;
    for (const pid of this.pids()) {
      const r = vmRssKb(pid);
      if (r === undefined) continue;
      n++;
      rss += r;
      pss += pssKb(pid) ?? 0;
    }
    this.samples++;
    if (rss > this.peakRssKb) this.peakRssKb = rss;
    if (pss > this.peakPssKb) {
      this.peakPssKb = pss;
      this.processesAtPeakPss = n;
    }
    if (n > this.peakProcesses) this.peakProcesses = n;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }
}

/** CPU time a thread group has used, in ms: the sum of its threads' /proc schedstat run times; undefined when it is gone. */
export function cpuMs(pid: number | 'self' = 'self'): number | undefined {
  try {
    let ns = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * Samples the CPU time of a changing set of processes (this one included) every `everyMs`,
 * keeping each one's timeline, so the CPU used up to a moment can be read after the fact.
 */
export class CpuSampler {
  private timer: NodeJS.Timeout | undefined;
  /** Per pid ('self' for this process): [Date.now(), cpu ms] samples, in time order. */
  readonly timelines = new Map<number | 'self', Array<[number, number]>>();

  constructor(
    private readonly pids: () => Iterable<number>,
    private readonly everyMs = 20,
  ) {}

  sample(): void {
    const t = Date.now();
    for (const pid of ['self' as const, ...this.pids()]) {
      const ms = cpuMs(pid);
      if (ms === undefined) continue;
      let line = this.timelines.get(pid);
      if (!line) this.timelines.set(pid, (line = []));
      line.push([t, ms]);
    }
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** A process's CPU ms at its last sample at or before `t` (0 before its first). */
  at(pid: number | 'self', t: number): number {
    let v = 0;
    for (const [ts, ms] of this.timelines.get(pid) ?? []) {
      if (ts > t) break;
      v = ms;
    }
    return v;
  }
}

/** This process's live child processes (from /proc/self/task/<tid>/children). */
export function childPids(): number[] {
  const out: number[] = [];
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      for (const p of fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8').split(' ')) if (p.trim()) out.push(Number(p));
    }
  } catch {
    // not Linux, or the task went away while we looked
  }
  return out;
}
