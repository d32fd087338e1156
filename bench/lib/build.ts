/**
 * The compiled worker for the spawn comparison: src/worker/main.ts bundled by esbuild (the
 * copy tsx already depends on) into bench/.build/, with npm packages left external so
 * they load from node_modules as usual. Built at bench time, removed after; never committed.
 */
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { now } from './clock.js';
import { buildWorker as bundleWorker } from '../../scripts/build-worker.mjs';

export const BUILD_DIR = fileURLToPath(new URL('../.build/', import.meta.url));

export interface WorkerBuild {
  dir: string;
  entry: string;
  ms: number;
  /** All chunks together. */
  bytes: number;
  /** npm packages the worker imports statically (left external), in the order the bundle imports them. */
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
  const key = Object.keys(outputs).find((k) => outputs[k]!.entryPoint !== undefined)!;
  const entry = path.resolve(key);
  // npm packages loaded at start: the external static imports of the entry chunk and of
  // every chunk it imports statically. A dynamic import() is paid when (and if) it runs.
  const packages: string[] = [];
  const seen = new Set<string>();
  const visit = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
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
