#!/usr/bin/env node
// The `mailroom` command (also what `npm start` runs). It starts the compiled CLI
// (dist/cli, built by `npm install`) when that build is newer than every source file, and
// otherwise the TypeScript sources through tsx's loader, so an edited checkout never runs
// stale code. MAILROOM_CLI=tsx|compiled forces one.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isFreshBuild, projectRoot } from '../src/build/fresh.mjs';

const root = projectRoot();
const compiled = path.join(root, 'dist', 'cli');
const want = process.env.MAILROOM_CLI;
if (want !== 'tsx' && (want === 'compiled' || isFreshBuild(compiled, path.join(root, 'src')))) {
  await import(pathToFileURL(path.join(compiled, 'cli.mjs')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'src', 'cli', 'main.ts')).href);
}
