/**
 * The compiled worker for the spawn comparison: src/worker/main.ts bundled by esbuild (the
 * copy tsx already depends on) into bench/.build/, with npm packages left external so
 * they load from node_modules as usual. Built at bench time, removed after; never committed.
 */
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { now } from './clock.js';

export const BUILD_DIR = fileURLToPath(new URL('../.build/', import.meta.url));

export interface WorkerBuild {
  dir: string;
  entry: string;
  ms: number;
  bytes: number;
  /** npm packages the worker imports statically (left external), in the order the bundle imports them. */
  packages: string[];
}

/** Bundles into bench/.build/<pid>/ (one folder per bench run, so two runs never share files); the caller removes `dir`. */
export async function buildWorker(): Promise<WorkerBuild> {
  const { build } = await import('esbuild');
  const src = fileURLToPath(new URL('../../src/', import.meta.url));
  const dir = path.join(BUILD_DIR, String(process.pid));
  fs.mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, 'worker.mjs');
  const t0 = now();
  const result = await build({
    metafile: true,
    entryPoints: [path.join(src, 'worker/main.ts')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  // The analysis sandbox finds its thread script next to itself (new URL(..., import.meta.url)).
  fs.copyFileSync(path.join(src, 'tools/analysis/sandbox-thread.mjs'), path.join(dir, 'sandbox-thread.mjs'));
  const ms = now() - t0;
  const output = Object.values(result.metafile.outputs)[0];
  // Static imports only: a dynamic import() is paid when (and if) it runs, not at start.
  const packages = [
    ...new Set((output?.imports ?? []).filter((i) => i.external && i.kind !== 'dynamic-import' && !isBuiltin(i.path)).map((i) => i.path)),
  ];
  return { dir, entry, ms, bytes: fs.statSync(entry).size, packages };
}
