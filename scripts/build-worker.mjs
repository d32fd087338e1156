#!/usr/bin/env node
// Compiles the worker process into dist/worker/ (run by `npm install` through `prepare`).
// Workers then start with plain `node`, without tsx's loader: about half the start-up time
// and a quarter less memory (see bench/results/latest.md). npm packages stay external and
// load from node_modules; dynamic imports stay lazy (code splitting). When the sources are
// newer than the build, mailroom falls back to tsx on its own (src/engine/process/spawn.ts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles src/worker/main.ts into `outDir` (entry: worker.mjs); returns esbuild's result. */
export async function buildWorker(outDir, extra = {}) {
  const esbuild = await import('esbuild');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { worker: path.join(root, 'src/worker/main.ts') },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    ...extra,
  });
  // The analysis sandbox loads its thread script from beside itself.
  fs.copyFileSync(path.join(root, 'src/tools/analysis/sandbox-thread.mjs'), path.join(outDir, 'sandbox-thread.mjs'));
  fs.writeFileSync(path.join(outDir, 'build.json'), JSON.stringify({ builtAt: Date.now() }) + '\n');
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await import('esbuild');
  } catch {
    process.stderr.write('mailroom: esbuild is not installed; workers will run through tsx\n');
    process.exit(0);
  }
  await buildWorker(path.join(root, 'dist', 'worker'));
}
