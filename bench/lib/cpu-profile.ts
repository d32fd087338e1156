/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`): self time by where the code came from
 * (an npm package, a folder of mailroom's src/, Node's own internals, the garbage
 * collector), optionally within a time window. Bundled code (dist/worker) is mapped back
 * to its sources through the chunks' source maps, so a package stays a package when it is
 * bundled. Used by the spawn bench to show what a worker's start spends its time on.
 */
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
/** The JSON of a .cpuprofile file. */
export interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the machine's monotonic clock (process.hrtime's). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one origin (package, src folder, node internals…) in ms. */
export interface OriginTime {
  origin: string;
  ms: number;
}

export interface ProfileSummary {
  /** Sampled time inside the window, idle excluded, in ms. */
  busyMs: number;
  /** Time the process was idle (waiting on I/O or timers) inside the window, in ms. */
  idleMs: number;
  /** Busiest origins first. */
  origins: OriginTime[];
  /** Busiest functions first (name and origin), self time. */
  functions: Array<{ name: string; origin: string; ms: number }>;
}

/** The newest .cpuprofile in `dir`, parsed. */
export function readProfile(dir: string): CpuProfile | undefined {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (files.length === 0) return undefined;
  const newest = files.map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]!;
  return JSON.parse(fs.readFileSync(newest, 'utf8')) as CpuProfile;
}

/** Maps a source path (as a source map names it) to an origin label. */
export function originOfSource(source: string): string {
  const s = source.replace(/\\/g, '/');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(s);
  if (pkg) return pkg[1]!;
  const src = /(?:^|\/)src\/([^/]+)(\/)?/.exec(s);
  if (src) return src[2] ? `src/${src[1]}/` : `src/${src[1]}`;
  return path.basename(s);
}

const maps = new Map<string, SourceMap | null>();
function sourceMapOf(url: string): SourceMap | null {
  if (maps.has(url)) return maps.get(url)!;
  let map: SourceMap | null = null;
  try {
    const file = fileURLToPath(url);
    const mapFile = `${file}.map`;
    if (fs.existsSync(mapFile)) map = new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8')));
  } catch {
    map = null;
  }
  maps.set(url, map);
  return map;
}

/** Where a sampled frame's code came from. */
export function originOfFrame(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8 garbage collector';
    if (functionName === '(program)') return 'V8/native, outside JS (compiling, parsing, bootstrap)';
    if (functionName === '(idle)') return '(idle)';
    return `native ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('node:')) {
    if (/node:internal\/modules\//.test(url)) return 'node: module loader';
    return 'node: built-ins';
  }
  if (url.startsWith('file:') || url.startsWith('/')) {
    const href = url.startsWith('/') ? `file://${url}` : url;
    const map = sourceMapOf(href);
    if (map) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
      if (entry.originalSource) return originOfSource(entry.originalSource);
      // A position the map does not cover: esbuild's own glue between modules.
      return 'bundle glue (no source position)';
    }
    return originOfSource(fileURLToPath(href));
  }
  return url;
}

/**
 * Self time by origin inside [fromUs, toUs] (monotonic µs, as process.hrtime.bigint() / 1000n
 * gives in any process on this machine); the whole profile when no window is given.
 */
export function summarizeProfile(profile: CpuProfile, window: { fromUs?: number; toUs?: number } = {}, top = 8): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const originTime = new Map<string, number>();
  const fnTime = new Map<string, { name: string; origin: string; us: number }>();
  let t = profile.startTime;
  let idleUs = 0;
  let busyUs = 0;
  const from = window.fromUs ?? -Infinity;
  const to = window.toUs ?? Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (t < from || t > to) continue;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const origin = originOfFrame(node.callFrame);
    if (origin === '(idle)') {
      idleUs += dt;
      continue;
    }
    busyUs += dt;
    originTime.set(origin, (originTime.get(origin) ?? 0) + dt);
    const name = node.callFrame.functionName || '(anonymous)';
    const key = `${origin}\u0000${name}`;
    const f = fnTime.get(key) ?? { name, origin, us: 0 };
    f.us += dt;
    fnTime.set(key, f);
  }
  const origins = [...originTime.entries()].map(([origin, us]) => ({ origin, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  const functions = [...fnTime.values()].map((f) => ({ name: f.name, origin: f.origin, ms: f.us / 1000 })).sort((a, b) => b.ms - a.ms).slice(0, top);
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, origins, functions };
}

/** "zod 20.1 ms, src/mailbox/ 8 ms, …": the top origins of a summary, for a report note. */
export function describeOrigins(s: ProfileSummary, top = 6): string {
  const r = (ms: number) => (ms >= 10 ? ms.toFixed(0) : ms.toFixed(1));
  return s.origins.slice(0, top).map((o) => `${o.origin} ${r(o.ms)} ms`).join(', ');
}
