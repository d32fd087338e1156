/**
 * Where the built-in agent files live: `src/agents/built-in/` in the sources, or
 * `built-in/` beside the compiled worker (scripts/build-worker.mjs copies them there).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

function locate(): string {
  for (const rel of ['./built-in/', '../../src/agents/built-in/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (fs.existsSync(dir)) return dir;
  }
  return fileURLToPath(new URL('./built-in/', import.meta.url));
}

export const BUILTIN_AGENTS_DIR = locate();
