/**
 * The compiled worker for the spawn comparison: src/worker/main.ts bundled by esbuild (the
 * copy tsx already depends on) into bench/.build/, with npm packages left external so
 * they load from node_modules as usual. Built at bench time; never committed.
 */
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { now } from './clock.js';

export const BUILD_DIR = fileURLToPath(new URL('../.build/', import.meta.url));

export interface WorkerBuild {
  entry: string;
  ms: number;
  bytes: number;
  /** npm packages the worker imports (left external), in the order the bundle imports them. */
  packages: string[];
}

export async function buildWorker(): Promise<WorkerBuild> {
  const { build } = await import('esbuild');
  const src = fileURLToPath(new URL('../../src/', import.meta.url));
  const entry = path.join(BUILD_DIR, 'worker.mjs');
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
  fs.copyFileSync(path.join(src, 'tools/analysis/sandbox-thread.mjs'), path.join(BUILD_DIR, 'sandbox-thread.mjs'));
  const ms = now() - t0;
  const output = Object.values(result.metafile.outputs)[0];
  const packages = [...new Set((output?.imports ?? []).filter((i) => i.external && !i.path.startsWith('node:') && !isBuiltin(i.path)).map((i) => i.path))];
  return { entry, ms, bytes: fs.statSync(entry).size, packages };
}
