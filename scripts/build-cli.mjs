#!/usr/bin/env node
// Compiles the CLI (and so the coordinator, which runs inside it) into dist/cli/ (run by
// `npm install` through `prepare`). `mailroom` and `npm start` then start with plain `node`,
// without tsx's loader: about half the start-up time. npm packages stay external; dynamic
// imports stay lazy (code splitting). When the sources are newer than the build,
// bin/mailroom.js falls back to tsx on its own (src/build/fresh.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleForNode } from './build-worker.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles src/cli/main.ts into `outDir` (entry: cli.mjs); npm packages stay external. */
export async function buildCli(outDir) {
  // Built beside and renamed, so a CLI starting meanwhile never loads half a build.
  const tmp = `${outDir}.tmp-${process.pid}`;
  const result = await bundleForNode('cli', path.join(root, 'src/cli/main.ts'), tmp, { packages: 'external' });
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
