/**
 * The benches at smoke scale: every bench runs end to end with a few messages and one or
 * two workers, through the same code as `npm run bench`, so the suite cannot rot. This
 * checks that they run, deliver and produce well-formed results, never their timings.
 */
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { BENCHES, runSuite } from '../bench/suite.js';
import { SCALES } from '../bench/lib/config.js';
import { cleanupAll } from '../bench/lib/cleanup.js';
import { renderMarkdown, type SuiteReport } from '../bench/lib/report.js';
import { listTaggedProcesses } from './support/processes.js';

const benchTemps = () => new Set(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('mailroom-bench-')));
/** Processes a bench starts: its helper procs, floors, and workers of its sessions (under mailroom-bench- temp dirs). */
const benchProcesses = () => listTaggedProcesses(process.env.MAILROOM_TEST_RUN ?? '').filter((p) => /bench[\\/]procs[\\/]|mailroom-bench-|bench[\\/]\.build[\\/]/.test(p.cmd));

describe('bench suite at smoke scale', () => {
  const before = benchTemps();
  let report: SuiteReport;

  afterAll(async () => {
    await cleanupAll();
  });

  it('runs every bench and produces well-formed results', async () => {
    report = await runSuite({ scale: 'smoke' });
    expect(report.scale).toBe('smoke');
    expect(report.benches.map((b) => b.id)).toEqual(BENCHES.map((b) => b.id));
    for (const b of report.benches) {
      expect(b.error, `${b.id}: ${b.error}`).toBeUndefined();
      expect(b.ok, b.id).toBe(true);
      expect(b.rows.length, b.id).toBeGreaterThan(0);
      // The file-system probe ran before each bench; the smoke scale never waits on it.
      expect(b.settle?.probeUs, `${b.id} settle probe`).toBeGreaterThan(0);
      expect(b.settle?.waitedMs, `${b.id} settle wait`).toBeLessThan(60_000);
      expect(b.rows.some((r) => r.kind === 'mailroom'), `${b.id} has a mailroom row`).toBe(true);
      for (const r of b.rows) {
        for (const key of Object.keys(r.values)) expect(b.columns.map((c) => c.key), `${b.id}/${r.label}/${key}`).toContain(key);
        // mailroom's own rows are measured: every number is a real number.
        if (r.kind === 'mailroom') {
          const nums = Object.values(r.values).filter((v): v is number => typeof v === 'number');
          expect(nums.length, `${b.id}/${r.label}`).toBeGreaterThan(0);
          for (const v of nums) expect(Number.isFinite(v), `${b.id}/${r.label}: ${v}`).toBe(true);
        }
      }
      for (const t of b.targets) {
        expect(typeof t.met).toBe('boolean');
        expect(t.measured.length).toBeGreaterThan(0);
      }
    }
    const md = renderMarkdown(report);
    expect(md).toContain('## Targets');
    for (const b of BENCHES) expect(md).toContain(`## ${b.title}`);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  }, 150_000);

  it('delivered every message and completed every session', () => {
    const byId = new Map(report.benches.map((b) => [b.id, b]));
    const cfg = SCALES.smoke;
    // redis-benchmark's XADD floor rows measure Redis alone: they deliver nothing.
    const deliveries = (id: string) => byId.get(id)!.rows.filter((r) => !r.label.startsWith('redis-benchmark'));
    for (const r of deliveries('latency')) expect(r.values.delivered, r.label).toBe(`${cfg.latency.messages}/${cfg.latency.messages}`);
    const burstTotal = cfg.burst.writers * cfg.burst.perWriter;
    for (const r of deliveries('burst')) expect(r.values.delivered, r.label).toBe(`${burstTotal}/${burstTotal}`);
    for (const r of byId.get('backlog')!.rows) for (const n of cfg.backlog.sizes) expect(typeof r.values[`ms${n}`], `${r.label} ${n}`).toBe('number');
    const scale = byId.get('scale')!;
    expect(scale.targets.every((t) => t.met), JSON.stringify(scale.targets)).toBe(true);
  });

  it('leaves no process and no temp folder behind', async () => {
    let left = benchProcesses();
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = benchProcesses();
    }
    expect(left).toEqual([]);
    const after = [...benchTemps()].filter((n) => !before.has(n));
    expect(after).toEqual([]);
  });
});
