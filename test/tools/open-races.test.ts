/**
 * Opening jailed files (issue 13, items 7-9). The race between the path check and the
 * open is driven deterministically through the `openHooks.beforeOpen` seam: the test swaps
 * a folder for a symlink to the outside at exactly that moment. FIFOs must not block an
 * open; every way of writing shares one size cap; hard-linked files are refused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHooks } from '../../src/tools/open.js';
import { toolsForAgent as toolsForRole } from '../../src/agents/builtin.js';
import { runTool } from '../../src/tools/run.js';
import { MAX_FILE_BYTES } from '../../src/tools/workspace/write.js';
import { makeTempSession } from './helpers.js';
import type { TempSession } from './helpers.js';

const SECRET = 'OUTSIDE-SECRET-7731';
const writing = toolsForRole('writing');
const research = toolsForRole('research');
let s: TempSession;
let outside: string;

beforeEach(async () => {
  s = await makeTempSession();
  outside = path.join(s.root, 'outside');
  await mkdir(outside);
  await writeFile(path.join(outside, 'f.txt'), SECRET);
  await mkdir(path.join(s.workspaceDir, 'dir'));
  await writeFile(path.join(s.workspaceDir, 'dir', 'f.txt'), 'inside');
});
afterEach(async () => {
  openHooks.beforeOpen = undefined;
  await s.cleanup();
});

/** At the moment between check and open, `dir` becomes a symlink to the outside folder. */
function swapDirAtOpen(root: string): void {
  openHooks.beforeOpen = async () => {
    openHooks.beforeOpen = undefined;
    await rename(path.join(root, 'dir'), path.join(root, 'dir-moved'));
    await symlink(outside, path.join(root, 'dir'));
  };
}

describe('a folder swapped for a symlink between the check and the open (item 7)', () => {
  it('read_file refuses and reads nothing from outside', async () => {
    swapDirAtOpen(s.workspaceDir);
    const r = await runTool(writing, 'read_file', { path: 'dir/f.txt' }, s.ctx('writing'));
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/led outside the workspace while it was being opened/);
    expect(r.content).not.toContain(SECRET);
  });

  it('research read_file refuses in the source folder too', async () => {
    await mkdir(path.join(s.sourceDir, 'dir'));
    await writeFile(path.join(s.sourceDir, 'dir', 'f.txt'), 'inside');
    swapDirAtOpen(s.sourceDir);
    const r = await runTool(research, 'read_file', { path: 'dir/f.txt' }, s.ctx('research'));
    expect(r.isError).toBe(true);
    expect(r.content).not.toContain(SECRET);
  });

  it('write_file to an existing file refuses and leaves the outside file as it was', async () => {
    swapDirAtOpen(s.workspaceDir);
    const r = await runTool(writing, 'write_file', { path: 'dir/f.txt', content: 'PWNED' }, s.ctx('writing'));
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/led outside the workspace/);
    expect(await readFile(path.join(outside, 'f.txt'), 'utf8')).toBe(SECRET);
  });

  it('write_file to a new file refuses and leaves no file outside', async () => {
    swapDirAtOpen(s.workspaceDir);
    const r = await runTool(writing, 'write_file', { path: 'dir/new.txt', content: 'PWNED' }, s.ctx('writing'));
    expect(r.isError).toBe(true);
    expect(existsSync(path.join(outside, 'new.txt'))).toBe(false);
  });
});

describe('folders swapped for a symlink while being listed or created', () => {
  const OUTSIDE_NAME = 'outside-only-name-5521.txt';
  /** When `when` is about to be opened or created, `dir` becomes a symlink to the outside folder. */
  function swapDirWhen(hook: 'beforeOpen' | 'beforeMkdir', when: (abs: string) => boolean): void {
    openHooks[hook] = async (abs) => {
      if (!when(abs)) return;
      openHooks[hook] = undefined;
      await rename(path.join(s.workspaceDir, 'dir'), path.join(s.workspaceDir, 'dir-moved'));
      await symlink(outside, path.join(s.workspaceDir, 'dir'));
    };
  }
  afterEach(() => {
    openHooks.beforeMkdir = undefined;
  });

  it('list_files of the workspace shows a sub-folder swapped on the way as refused, never its outside names', async () => {
    await writeFile(path.join(outside, OUTSIDE_NAME), SECRET);
    swapDirWhen('beforeOpen', (abs) => abs.endsWith(`${path.sep}dir`));
    const r = await runTool(writing, 'list_files', {}, s.ctx('writing'));
    expect(r.isError).toBe(false);
    expect(r.content).toMatch(/^dir\/  \(refused: it now leads outside the workspace\)$/m);
    expect(r.content).not.toContain(OUTSIDE_NAME);
  });

  it('list_files of a folder swapped after its check refuses', async () => {
    await writeFile(path.join(outside, OUTSIDE_NAME), SECRET);
    swapDirWhen('beforeOpen', () => true);
    const r = await runTool(writing, 'list_files', { path: 'dir' }, s.ctx('writing'));
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/led outside the workspace/);
    expect(r.content).not.toContain(OUTSIDE_NAME);
  });

  it('write_file creating dir/new/deeper/x.txt refuses when dir is swapped mid-way, and creates no folder outside', async () => {
    swapDirWhen('beforeMkdir', (abs) => abs.endsWith(`${path.sep}new`));
    const r = await runTool(writing, 'write_file', { path: 'dir/new/deeper/x.txt', content: 'hello' }, s.ctx('writing'));
    expect(r.isError, r.content).toBe(true);
    expect(r.content).toMatch(/led outside the workspace/);
    expect(existsSync(path.join(outside, 'new'))).toBe(false);
  });
});

describe('FIFOs and other non-regular files (item 8)', () => {
  it('four FIFOs are refused at once, and the next read works', async () => {
    const names = ['p1', 'p2', 'p3', 'p4'];
    for (const n of names) execFileSync('mkfifo', [path.join(s.workspaceDir, n)]);
    const results = await Promise.all(names.map((n) => runTool(writing, 'read_file', { path: n }, s.ctx('writing'))));
    for (const r of results) {
      expect(r.isError).toBe(true);
      expect(r.content).toMatch(/is not a regular file \(it is a FIFO\); refused/);
    }
    const w = await runTool(writing, 'write_file', { path: 'p1', content: 'x' }, s.ctx('writing'));
    expect(w.content).toMatch(/is not a regular file \(it is a FIFO\); refused/);
    expect((await runTool(writing, 'read_file', { path: 'dir/f.txt' }, s.ctx('writing'))).content).toContain('inside');
  });

  it('a FIFO swapped in after the look does not block the open', async () => {
    const target = path.join(s.workspaceDir, 'dir', 'f.txt');
    openHooks.beforeOpen = async () => {
      openHooks.beforeOpen = undefined;
      await rm(target);
      execFileSync('mkfifo', [target]);
    };
    const r = await runTool(writing, 'read_file', { path: 'dir/f.txt' }, s.ctx('writing'));
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/not a regular file/);
  });
});

describe('one write cap, and no writes through hard links (item 9)', () => {
  it('edit_file cannot grow a file past the cap', async () => {
    await writeFile(path.join(s.workspaceDir, 'big.md'), `${'a'.repeat(4_000_000)}MARK`);
    const r = await runTool(writing, 'edit_file', { path: 'big.md', old_string: 'MARK', new_string: 'b'.repeat(4_500_000) }, s.ctx('writing'));
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(new RegExp(`the limit for one workspace file is ${MAX_FILE_BYTES} bytes; nothing written`));
    expect((await stat(path.join(s.workspaceDir, 'big.md'))).size).toBe(4_000_004);
  });

  it('appends stop at the same cap', async () => {
    const chunk = 'c'.repeat(3_000_000);
    const ctx = s.ctx('writing');
    expect((await runTool(writing, 'write_file', { path: 'log.md', content: chunk }, ctx)).isError).toBe(false);
    expect((await runTool(writing, 'write_file', { path: 'log.md', content: chunk, append: true }, ctx)).isError).toBe(false);
    const third = await runTool(writing, 'write_file', { path: 'log.md', content: chunk, append: true }, ctx);
    expect(third.isError).toBe(true);
    expect(third.content).toMatch(/would be 9000000 bytes/);
    expect((await stat(path.join(s.workspaceDir, 'log.md'))).size).toBe(6_000_000);
  });

  it('refuses to write to a file hard-linked to one outside, and leaves it untouched', async () => {
    await link(path.join(outside, 'f.txt'), path.join(s.workspaceDir, 'linked.txt'));
    for (const call of [
      { path: 'linked.txt', content: 'PWNED' },
      { path: 'linked.txt', content: 'PWNED', append: true },
    ]) {
      const r = await runTool(writing, 'write_file', call, s.ctx('writing'));
      expect(r.isError).toBe(true);
      expect(r.content).toMatch(/has 2 hard links .*refusing to write to it/);
    }
    const e = await runTool(writing, 'edit_file', { path: 'linked.txt', old_string: 'OUTSIDE', new_string: 'PWNED' }, s.ctx('writing'));
    expect(e.isError).toBe(true);
    expect(await readFile(path.join(outside, 'f.txt'), 'utf8')).toBe(SECRET);
  });
});
