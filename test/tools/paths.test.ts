/**
 * The path jail, through the real tools: every attack is refused with a clear tool error,
 * and nothing outside the workspace (or the source folder) is read or written.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../src/errors.js';
import { checkRelativePath, resolveInRoot } from '../../src/tools/paths.js';
import { toolsForAgent as toolsForRole } from '../../src/agents/builtin.js';
import { runTool } from '../../src/tools/run.js';
import { makeTempSession } from './helpers.js';
import type { TempSession } from './helpers.js';

const SECRET = 'TOP-SECRET-OUTSIDE-CONTENT';

let s: TempSession;
let outside: string;

beforeEach(async () => {
  s = await makeTempSession();
  outside = path.join(s.root, 'outside');
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), SECRET);
});
afterEach(async () => {
  await s.cleanup();
});

async function outsideUnchanged(): Promise<void> {
  expect((await readdir(outside)).sort()).toEqual(['secret.txt']);
  expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe(SECRET);
  // Nothing may appear next to the session either.
  expect((await readdir(s.root)).sort()).toEqual(['outside', 'session', 'source']);
}

describe('lexical checks', () => {
  it.each([
    ['../', '../escape.txt', /contains "\.\."/],
    ['nested ../', 'a/../../escape.txt', /contains "\.\."/],
    ['bare ..', '..', /contains "\.\."/],
    ['absolute', '/etc/passwd', /absolute paths are not allowed/],
    ['drive letter', 'C:\\Windows\\win.ini', /absolute paths are not allowed/],
    ['NUL byte', 'a\0b.txt', /NUL byte/],
    ['long component', `${'x'.repeat(256)}.txt`, /path component .* is too long \(260 bytes; the limit is 255\)/],
    ['long path', `${'d/'.repeat(2100)}f`, /path is too long \(4201 bytes; the limit is 4096\)/],
  ])('refuses a %s path', (_label, p, message) => {
    expect(() => checkRelativePath(p, 'workspace')).toThrow(ToolError);
    expect(() => checkRelativePath(p, 'workspace')).toThrow(message);
  });

  it('normalizes harmless paths', () => {
    expect(checkRelativePath('./a//b/', 'workspace')).toBe('a/b');
    expect(checkRelativePath('.', 'workspace')).toBe('.');
    // Multi-byte names are measured in bytes: 100 × 3 bytes = 300 > 255.
    expect(() => checkRelativePath('€'.repeat(100))).toThrow(/300 bytes/);
  });
});

describe('writing tools refuse path attacks', () => {
  const writing = toolsForRole('writing');

  it.each([
    ['../', '../escape.txt', /contains "\.\."/],
    ['../ to a sibling', '../outside/secret.txt', /contains "\.\."/],
    ['nested ../', 'sub/../../../outside/pwn.txt', /contains "\.\."/],
    ['absolute', '/tmp/mailroom-pwn.txt', /absolute paths are not allowed/],
    ['NUL byte', 'pwn\0.txt', /NUL byte/],
    ['long component', `${'y'.repeat(300)}`, /too long/],
    ['long path', `${'d/'.repeat(2100)}f`, /too long/],
  ])('write_file refuses a %s path', async (_label, p, message) => {
    const r = await runTool(writing, 'write_file', { path: p, content: 'pwned' }, s.ctx('writing'));
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(message);
    await outsideUnchanged();
    expect(existsSync('/tmp/mailroom-pwn.txt')).toBe(false);
  });

  it('read_file and edit_file refuse ../ and absolute paths and leak nothing', async () => {
    for (const [tool, input] of [
      ['read_file', { path: '../../outside/secret.txt' }],
      ['read_file', { path: path.join(outside, 'secret.txt') }],
      ['edit_file', { path: '../outside/secret.txt', old_string: 'TOP', new_string: 'PWN' }],
      ['list_files', { path: '../outside' }],
    ] as const) {
      const r = await runTool(writing, tool, input, s.ctx('writing'));
      expect(r.isError, `${tool} ${JSON.stringify(input)}`).toBe(true);
      expect(r.content).toMatch(/contains "\.\."|absolute paths are not allowed/);
      expect(r.content).not.toContain(SECRET);
    }
    await outsideUnchanged();
  });

  it('a symlinked folder that escapes the workspace is refused for write, read and list', async () => {
    await symlink(outside, path.join(s.workspaceDir, 'link'));
    const ctx = s.ctx('writing');
    const w = await runTool(writing, 'write_file', { path: 'link/pwn.txt', content: 'pwned' }, ctx);
    expect(w.isError).toBe(true);
    expect(w.content).toMatch(/symlink that points outside the workspace/);
    const deep = await runTool(writing, 'write_file', { path: 'link/new/dir/pwn.txt', content: 'pwned' }, ctx);
    expect(deep.isError).toBe(true);
    expect(deep.content).toMatch(/symlink that points outside the workspace/);
    const r = await runTool(writing, 'read_file', { path: 'link/secret.txt' }, ctx);
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/symlink that points outside the workspace/);
    expect(r.content).not.toContain(SECRET);
    const l = await runTool(writing, 'list_files', { path: 'link' }, ctx);
    expect(l.isError).toBe(true);
    expect(l.content).not.toContain('secret.txt');
    // Listing the workspace shows the link but never follows it.
    const all = await runTool(writing, 'list_files', {}, ctx);
    expect(all.content).toContain('link  (symlink, not followed)');
    expect(all.content).not.toContain('secret.txt');
    await outsideUnchanged();
  });

  it('a symlinked file that escapes is refused for read, write and edit', async () => {
    await symlink(path.join(outside, 'secret.txt'), path.join(s.workspaceDir, 'notes.md'));
    const ctx = s.ctx('writing');
    for (const [tool, input] of [
      ['read_file', { path: 'notes.md' }],
      ['write_file', { path: 'notes.md', content: 'pwned' }],
      ['edit_file', { path: 'notes.md', old_string: 'TOP', new_string: 'PWN' }],
    ] as const) {
      const r = await runTool(writing, tool, input, ctx);
      expect(r.isError, tool).toBe(true);
      expect(r.content).toMatch(/symlink that points outside the workspace/);
      expect(r.content).not.toContain(SECRET);
    }
    await outsideUnchanged();
  });

  it('a dangling symlink is refused rather than created through', async () => {
    await symlink(path.join(outside, 'new.txt'), path.join(s.workspaceDir, 'dangling'));
    const r = await runTool(writing, 'write_file', { path: 'dangling', content: 'pwned' }, s.ctx('writing'));
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/symlink/);
    await outsideUnchanged();
  });

  it('a symlink that stays inside the workspace still works', async () => {
    await mkdir(path.join(s.workspaceDir, 'real'));
    await symlink(path.join(s.workspaceDir, 'real'), path.join(s.workspaceDir, 'alias'));
    const ctx = s.ctx('writing');
    expect((await runTool(writing, 'write_file', { path: 'alias/a.txt', content: 'ok' }, ctx)).isError).toBe(false);
    expect(await readFile(path.join(s.workspaceDir, 'real', 'a.txt'), 'utf8')).toBe('ok');
  });

  it('resolveInRoot reports the real path inside the root', async () => {
    const j = await resolveInRoot(s.workspaceDir, 'a/b.txt', { rootName: 'workspace' });
    expect(j).toEqual({ abs: path.join(s.workspaceDir, 'a', 'b.txt'), rel: 'a/b.txt', exists: false, root: s.workspaceDir, rootName: 'workspace' });
  });
});

describe('research read_file stays inside the source folder or the workspace', () => {
  const research = toolsForRole('research');

  it('refuses escapes from both roots', async () => {
    await symlink(outside, path.join(s.sourceDir, 'escape'));
    const ctx = s.ctx('research');
    for (const p of ['../outside/secret.txt', 'workspace/../../outside/secret.txt', path.join(outside, 'secret.txt'), 'escape/secret.txt']) {
      const r = await runTool(research, 'read_file', { path: p }, ctx);
      expect(r.isError, p).toBe(true);
      expect(r.content).not.toContain(SECRET);
    }
  });

  it('reads the source folder, and the workspace through the workspace/ prefix', async () => {
    await writeFile(path.join(s.sourceDir, 'a.md'), 'from the source folder\n');
    await writeFile(path.join(s.workspaceDir, 'a.md'), 'from the workspace\n');
    const ctx = s.ctx('research');
    const src = await runTool(research, 'read_file', { path: 'a.md' }, ctx);
    expect(src.content).toContain('from the source folder');
    expect(src.content).toMatch(/^<untrusted-data-[0-9a-f]{12} source="read_file: a\.md">/);
    const ws = await runTool(research, 'read_file', { path: 'workspace/a.md' }, ctx);
    expect(ws.content).toContain('from the workspace');
    expect(ws.content).toContain('source="read_file: workspace/a.md"');
  });
});
