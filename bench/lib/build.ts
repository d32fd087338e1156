/**
 * The compiled worker for the spawn comparison: src/worker/main.ts bundled by esbuild (the
 * copy tsx already depends on) into bench/.build/, exactly as scripts/build-worker.mjs
 * builds dist/worker (npm packages bundled in, but wasm, native and loader ones). Built at
 * bench time, removed after; never committed.
 */
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { now } from './clock.js';
import { buildWorker as bundleWorker } from '../../scripts/build-worker.mjs';

const DEPENDENCIES = new Set(Object.keys((JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { dependencies: Record<string, string> }).dependencies));

export const BUILD_DIR = fileURLToPath(new URL('../.build/', import.meta.url));

export interface WorkerBuild {
  dir: string;
  entry: string;
  ms: number;
  /** All chunks together. */
  bytes: number;
  /**
   * npm packages loaded at start: bundled into the chunks the entry imports statically, or
   * left external and imported by them. A dynamic import() is paid when (and if) it runs.
   */
  packages: string[];
}

/** Bundles into bench/.build/<pid>/ (one folder per bench run, so two runs never share files); the caller removes `dir`. */
export async function buildWorker(): Promise<WorkerBuild> {
  const dir = path.join(BUILD_DIR, String(process.pid));
  const t0 = now();
  // The same build as `npm install` makes (scripts/build-worker.mjs), with a metafile.
  const result = await bundleWorker(dir, { metafile: true, sourcemap: false, logLevel: 'silent' });
  const ms = now() - t0;
  const outputs = result.metafile.outputs;
  // The worker's own entry: every dynamic import's chunk has an entryPoint too.
  const key = Object.keys(outputs).find((k) => outputs[k]!.entryPoint?.endsWith('src/worker/main.ts'))!;
  const entry = path.resolve(key);
  const packages: string[] = [];
  const seen = new Set<string>();
  const visit = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
    for (const input of Object.keys(outputs[k]?.inputs ?? {})) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
      // The project's own dependencies (their dependencies load with them).
      if (name && DEPENDENCIES.has(name) && !packages.includes(name)) packages.push(name);
    }
    for (const i of outputs[k]?.imports ?? []) {
      if (i.kind === 'dynamic-import') continue;
      if (!i.external) visit(i.path);
      else if (!isBuiltin(i.path) && !packages.includes(i.path)) packages.push(i.path);
    }
  };
  visit(key);
  const bytes = Object.keys(outputs).reduce((sum, k) => sum + outputs[k]!.bytes, 0);
  return { dir, entry, ms, bytes, packages };
}
