/**
 * File-system settling between benches. On this VM's ext4 (mounted with `discard`), a bench
 * that creates and deletes tens of thousands of files (burst, backlog) leaves metadata
 * operations several times slower for the next half minute or so: measured right after the
 * burst bench, a mkdir took 303 µs and a small write + rename 290 µs, against 12 and 21 µs
 * forty seconds later. A bench that does file work against a floor that does none (the
 * session bench against bare node starts) then measures the previous bench's cleanup.
 * So before each bench the suite probes the file system and waits, up to a limit, until
 * the probe is back near what it was when the suite started. Both the wait and the probe
 * are reported with the bench.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from './clock.js';
import { median, round } from './stats.js';

/** One probe's steps: mkdir, write a small file, rename it within the folder. */
const PROBE_STEPS = 40;

/** µs per step (median): what the benches' Maildir operations cost right now. */
export function probeFileSystem(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-settle-'));
  try {
    const us: number[] = [];
    for (let i = 0; i < PROBE_STEPS; i++) {
      const t0 = performance.now();
      const sub = path.join(dir, String(i));
      fs.mkdirSync(sub);
      fs.writeFileSync(path.join(sub, 'a.tmp'), '{"probe":true}\n');
      fs.renameSync(path.join(sub, 'a.tmp'), path.join(sub, 'a.json'));
      us.push((performance.now() - t0) * 1000);
    }
    return round(median(us), 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Settled {
  /** The probe when the suite started (the best of three), µs per step. */
  baselineUs: number;
  /** The probe when the bench started. */
  probeUs: number;
  waitedMs: number;
  /** False when the limit ran out first (the bench then ran anyway). */
  settled: boolean;
}

/** The suite's starting point: the best of three probes. */
export function fileSystemBaseline(): number {
  return Math.min(probeFileSystem(), probeFileSystem(), probeFileSystem());
}

/**
 * Waits until a probe is within 1.5× the baseline (or 15 µs of it, for a baseline so fast
 * that noise alone moves it that much), probing every 2 s, for at most `maxWaitMs`.
 */
export async function settleFileSystem(baselineUs: number, maxWaitMs: number): Promise<Settled> {
  const t0 = performance.now();
  const limit = Math.max(1.5 * baselineUs, baselineUs + 15);
  let probeUs = probeFileSystem();
  while (probeUs > limit && performance.now() - t0 < maxWaitMs) {
    await sleep(2000);
    probeUs = probeFileSystem();
  }
  return { baselineUs, probeUs, waitedMs: round(performance.now() - t0, 0), settled: probeUs <= limit };
}
