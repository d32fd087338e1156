/**
 * The `mailroom` entry (bin/mailroom.js): the compiled CLI when its build is newer than
 * every source file, the sources through tsx otherwise, so an edited checkout never runs
 * stale code.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFreshBuild, projectRoot } from '../../src/build/fresh.mjs';
import { CLI_ENTRY, REPO_ROOT } from '../support/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-fresh-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tree(): { src: string; out: string } {
  const root = fs.mkdtempSync(path.join(tmp, 'tree-'));
  const src = path.join(root, 'src');
  fs.mkdirSync(path.join(src, 'deep', 'er'), { recursive: true });
  fs.writeFileSync(path.join(src, 'a.ts'), 'a');
  fs.writeFileSync(path.join(src, 'deep', 'er', 'b.ts'), 'b');
  const out = path.join(root, 'dist');
  fs.mkdirSync(out);
  return { src, out };
}

describe('choosing the compiled CLI', () => {
  it('is fresh only with a build.json newer than every source file, at any depth', () => {
    const { src, out } = tree();
    expect(isFreshBuild(out, src)).toBe(false); // no build.json
    fs.writeFileSync(path.join(out, 'build.json'), JSON.stringify({ builtAt: Date.now() + 60_000 }));
    expect(isFreshBuild(out, src)).toBe(true);
    const later = new Date(Date.now() + 120_000);
    fs.utimesSync(path.join(src, 'deep', 'er', 'b.ts'), later, later);
    expect(isFreshBuild(out, src)).toBe(false);
    fs.writeFileSync(path.join(out, 'build.json'), '{"builtAt":"soon"}');
    expect(isFreshBuild(out, src)).toBe(false);
  });

  it('finds the project root from a bundled file as from a source file', () => {
    expect(projectRoot(path.join(REPO_ROOT, 'dist', 'cli', 'chunk-x.mjs'))).toBe(REPO_ROOT);
    expect(projectRoot(path.join(REPO_ROOT, 'src', 'engine', 'process', 'spawn.ts'))).toBe(REPO_ROOT);
    expect(() => projectRoot(path.join(tmp, 'x.mjs'))).toThrow(/no package.json named "mailroom"/);
  });

  it('runs the same CLI either way', () => {
    const help = (which: string) => execFileSync(process.execPath, [CLI_ENTRY, '--help'], { env: { ...process.env, MAILROOM_CLI: which }, encoding: 'utf8' });
    const compiled = help('compiled');
    expect(compiled).toContain('Usage: mailroom');
    expect(help('tsx')).toBe(compiled);
  });
});
