// Plain JavaScript on purpose: bin/mailroom.js reads it before any TypeScript loader is
// registered, to choose between the compiled CLI and the sources through tsx.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The mailroom checkout or package root: the nearest folder above `from` with mailroom's package.json. */
export function projectRoot(from = fileURLToPath(import.meta.url)) {
  let dir = path.dirname(from);
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'mailroom') return dir;
    } catch {
      // no package.json here, or not ours: keep climbing
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`mailroom: no package.json named "mailroom" above ${from}`);
    dir = up;
  }
}

/**
 * True when `outDir` holds a build (its build.json) newer than every file under `srcDir`,
 * so running it cannot run stale code. Checked at each start: a walk with one stat per
 * source file, a few milliseconds.
 */
export function isFreshBuild(outDir, srcDir) {
  let builtAt;
  try {
    builtAt = JSON.parse(fs.readFileSync(path.join(outDir, 'build.json'), 'utf8')).builtAt;
  } catch {
    return false;
  }
  if (typeof builtAt !== 'number') return false;
  const stack = [srcDir];
  while (stack.length > 0) {
    const dir = stack.pop();
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (fs.statSync(p).mtimeMs > builtAt) return false;
    }
  }
  return true;
}
