/**
 * The measured reasons behind the spawn bench's start-up figures: where a worker's start
 * spends its CPU (a --cpu-prof profile of one start, summarised by package: cpu-profile.ts)
 * and where an idle worker's memory is (its /proc/<pid>/smaps by mapping, beside a bare
 * node process's, and its V8 heap as process.memoryUsage() and the heap spaces give it).
 * Taken in the same run as the figures, on extra samples that are not part of them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeOrigins, readProfile, summarizeProfile, type ProfileSummary } from './cpu-profile.js';

/** The machine's monotonic clock in µs: what V8's profiles stamp samples with. */
export function monoUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Node flags that make a worker write a CPU profile into `dir` when it exits. */
export function cpuProfileFlags(dir: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'];
}

/** One start's profile: the window from t0 (spawn, or hand-over) to `started` handled here. */
export interface StartProfile {
  /** What the window is. */
  window: string;
  /** t0 → started as this process saw it (the profiled start, slower than an unprofiled one). */
  wallMs: number;
  /** From t0 until the worker's profiler started (Node's own bootstrap), for a cold start. */
  beforeProfilerMs?: number;
  summary: ProfileSummary;
}

/** Reads the profile a worker left in `dir` and summarises [fromUs, toUs]. */
export function startProfile(dir: string, window: string, fromUs: number, toUs: number, cold: boolean): StartProfile | undefined {
  const profile = readProfile(dir);
  if (!profile) return undefined;
  const from = Math.max(fromUs, profile.startTime);
  return {
    window,
    wallMs: (toUs - fromUs) / 1000,
    ...(cold ? { beforeProfilerMs: (profile.startTime - fromUs) / 1000 } : {}),
    summary: summarizeProfile(profile, { fromUs: from, toUs }, 10),
  };
}

/** Resident memory by mapping: the node binary's pages, anonymous memory (V8's heap and more), malloc's heap, shared libraries. */
export interface RssByMapping {
  totalKb: number;
  nodeBinaryKb: number;
  anonymousKb: number;
  mallocHeapKb: number;
  librariesKb: number;
  otherKb: number;
}

/** /proc/<pid>/smaps summed by kind of mapping; undefined when the process is gone. */
export function rssByMapping(pid: number): RssByMapping | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return undefined;
  }
  const out: RssByMapping = { totalKb: 0, nodeBinaryKb: 0, anonymousKb: 0, mallocHeapKb: 0, librariesKb: 0, otherKb: 0 };
  let kind: keyof RssByMapping = 'otherKb';
  const exe = path.basename(process.execPath);
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1] ?? '';
      kind = name === '' ? 'anonymousKb' : name === '[heap]' ? 'mallocHeapKb' : path.basename(name) === exe ? 'nodeBinaryKb' : /\.so(\.|$)/.test(name) ? 'librariesKb' : 'otherKb';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      out[kind] += Number(rss[1]);
      out.totalKb += Number(rss[1]);
    }
  }
  return out;
}

/** What the heap-report preload (procs/heap-report.mjs) writes. */
export interface HeapReport {
  memoryUsage: NodeJS.MemoryUsage;
  spaces: Record<string, { usedKb: number; physicalKb: number }>;
  code: { code_and_metadata_size: number; bytecode_and_metadata_size: number; external_script_source_size: number };
}

export function readHeapReport(file: string): HeapReport | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as HeapReport;
  } catch {
    return undefined;
  }
}

const mb = (kb: number) => (kb / 1024).toFixed(1);

/** One sentence: the worker's start, by package, from its profile. */
export function describeStartProfile(label: string, p: StartProfile): string {
  const s = p.summary;
  const before = p.beforeProfilerMs !== undefined ? `${p.beforeProfilerMs.toFixed(0)} ms of Node's own bootstrap before the profiler could start, then ` : '';
  const fns = s.functions.slice(0, 4).map((f) => `${f.name} (${f.origin}) ${f.ms.toFixed(1)} ms`).join(', ');
  return `${label}, from a --cpu-prof profile of one extra start in this run (${p.window}; ${p.wallMs.toFixed(0)} ms with the profiler on): ${before}${s.busyMs.toFixed(0)} ms on the CPU and ${s.idleMs.toFixed(0)} ms idle (waiting on I/O, or for a core). Self time by origin: ${describeOrigins(s, 7)}. Busiest functions: ${fns}.`;
}

/** One sentence: an idle worker's memory beside a bare node process's. */
export function describeRss(worker: RssByMapping, bare: RssByMapping | undefined, heap: HeapReport | undefined): string {
  const vs = (w: number, b: number | undefined) => (b === undefined ? `${mb(w)} MB` : `${mb(w)} MB (bare node ${mb(b)})`);
  const parts = [
    `the node binary's own pages ${vs(worker.nodeBinaryKb, bare?.nodeBinaryKb)}`,
    `anonymous memory ${vs(worker.anonymousKb, bare?.anonymousKb)}`,
    `malloc's heap ${vs(worker.mallocHeapKb, bare?.mallocHeapKb)}`,
    `shared libraries ${vs(worker.librariesKb, bare?.librariesKb)}`,
  ];
  let heapText = '';
  if (heap) {
    const sp = heap.spaces;
    const space = (n: string) => (sp[n] ? `${n.replace(/_space$/, '')} ${mb(sp[n].physicalKb)}` : undefined);
    heapText = ` V8's heap in it (process.memoryUsage): ${mb(heap.memoryUsage.heapTotal / 1024)} MB (${['old_space', 'new_space', 'large_object_space', 'code_space'].map(space).filter(Boolean).join(', ')} MB), ${mb(heap.code.bytecode_and_metadata_size / 1024)} MB of it bytecode; scripts' source text ${mb(heap.code.external_script_source_size / 1024)} MB; external ${mb(heap.memoryUsage.external / 1024)} MB.`;
  }
  return `Idle worker RSS by mapping, from /proc/<pid>/smaps of one extra compiled worker in this run: ${mb(worker.totalKb)} MB in all, ${parts.join(', ')}.${heapText}`;
}
