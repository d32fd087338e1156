#!/usr/bin/env node
// Compiles the CLI (and so the coordinator, which runs inside it) into dist/cli/ (run by
// `npm install` through `prepare`). `mailroom` and `npm start` then start with plain `node`,
// without tsx's loader: about half the start-up time. npm packages stay external; dynamic
// imports stay lazy (code splitting). When the sources are newer than the build,
// bin/mailroom.js falls back to tsx on its own (src/build/fresh.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadScripts } from './build-worker.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles src/cli/main.ts into `outDir` (entry: cli.mjs); returns esbuild's result. */
export async function buildCli(outDir) {
  const esbuild = await import('esbuild');
  // Build beside and rename, so a CLI starting meanwhile never loads half a build.
  const tmp = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { cli: path.join(root, 'src/cli/main.ts') },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // The same files beside the code as the worker build: tools' thread scripts and the
  // built-in agent definitions (read by the catalogue when a session starts).
  for (const file of threadScripts()) fs.copyFileSync(file, path.join(tmp, path.basename(file)));
  fs.cpSync(path.join(root, 'src/agents/built-in'), path.join(tmp, 'built-in'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'build.json'), JSON.stringify({ builtAt: Date.now() }) + '\n');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.renameSync(tmp, outDir);
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await import('esbuild');
  } catch {
    process.stderr.write('mailroom: esbuild is not installed; the CLI will run through tsx\n');
    process.exit(0);
  }
  await buildCli(path.join(root, 'dist', 'cli'));
}
