/**
 * search_files: BM25 ranking over the fixture corpus, with .gitignore (root and nested)
 * respected and binaries skipped. The ignored and binary files are created at run time,
 * because a .gitignore inside the fixture would keep them out of git.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolsForAgent as toolsForRole } from '../../src/agents/builtin.js';
import { runTool } from '../../src/tools/run.js';
import { walkTextFiles } from '../../src/tools/research/walk.js';
import { makeTempSession } from './helpers.js';
import type { TempSession } from './helpers.js';

const CORPUS = fileURLToPath(new URL('../fixtures/tools/corpus', import.meta.url));
const research = toolsForRole('research');
let s: TempSession;

/** The ranked paths of a search_files result, in order. */
function rankedPaths(content: string): string[] {
  return [...content.matchAll(/^\d+\. (\S+) {2}\(score [\d.]+\)$/gm)].map((m) => m[1]!);
}

beforeAll(async () => {
  s = await makeTempSession();
  await cp(CORPUS, s.sourceDir, { recursive: true });
  const otterSpam = 'sea otters use rocks as tools; otters otters otters rocks tools\n'.repeat(20);
  await writeFile(path.join(s.sourceDir, '.gitignore'), 'build/\n*.log\n');
  await mkdir(path.join(s.sourceDir, 'build'));
  await writeFile(path.join(s.sourceDir, 'build', 'otters-copy.md'), otterSpam);
  await writeFile(path.join(s.sourceDir, 'debug.log'), otterSpam);
  await writeFile(path.join(s.sourceDir, 'notes', '.gitignore'), 'private.md\n');
  await writeFile(path.join(s.sourceDir, 'notes', 'private.md'), otterSpam);
  await writeFile(path.join(s.sourceDir, 'otters.bin'), Buffer.concat([Buffer.from(otterSpam), Buffer.from([0, 1, 2, 0])]));
  await mkdir(path.join(s.sourceDir, 'node_modules', 'pkg'), { recursive: true });
  await writeFile(path.join(s.sourceDir, 'node_modules', 'pkg', 'otters.md'), otterSpam);
});
afterAll(async () => {
  await s.cleanup();
});

describe('search_files', () => {
  it('ranks the relevant file first', async () => {
    const r = await runTool(research, 'search_files', { query: 'how do sea otters use rocks as tools' }, s.ctx('research'));
    expect(r.isError).toBe(false);
    const ranked = rankedPaths(r.content);
    expect(ranked[0]).toBe('otters.md');
    // The tides note mentions otters once: it may match, but below the otter article.
    expect(ranked.indexOf('notes/tides.md')).not.toBe(0);
    // Matching lines come with their line numbers.
    expect(r.content).toMatch(/^ {3}\d+: .*rock.*$/m);
  });

  it.each([
    ['sourdough starter yeast', 'bread.md'],
    ['magma eruption pressure', 'volcanoes.md'],
    ['SSRF metadata redirect', 'notes/networking.md'],
    ['tokenize expression', 'src/parser.ts'],
  ])('%j finds %s first', async (query, expected) => {
    const r = await runTool(research, 'search_files', { query }, s.ctx('research'));
    expect(rankedPaths(r.content)[0]).toBe(expected);
  });

  it('respects .gitignore (root and nested), skips binaries and node_modules', async () => {
    const r = await runTool(research, 'search_files', { query: 'otters rocks tools', limit: 50 }, s.ctx('research'));
    const ranked = rankedPaths(r.content);
    expect(ranked).toContain('otters.md');
    for (const hidden of ['build/otters-copy.md', 'debug.log', 'notes/private.md', 'otters.bin', 'node_modules/pkg/otters.md']) {
      expect(ranked).not.toContain(hidden);
    }
    expect(r.content).toContain('[1 binary file(s) skipped]');
    const walked = await walkTextFiles(s.sourceDir);
    expect(walked.files.map((f) => f.rel).sort()).toEqual([
      '.gitignore',
      'bread.md',
      'notes/.gitignore',
      'notes/networking.md',
      'notes/tides.md',
      'otters.md',
      'src/parser.ts',
      'volcanoes.md',
    ]);
  });

  it('searches a sub-folder, the workspace, and says when nothing matches', async () => {
    const sub = await runTool(research, 'search_files', { query: 'otters', path: 'notes' }, s.ctx('research'));
    expect(rankedPaths(sub.content)).toEqual(['notes/tides.md']);
    await writeFile(path.join(s.workspaceDir, 'draft.md'), 'A draft about glaciers and ice sheets.\n');
    const ws = await runTool(research, 'search_files', { query: 'glaciers', path: 'workspace' }, s.ctx('research'));
    expect(rankedPaths(ws.content)).toEqual(['workspace/draft.md']);
    const none = await runTool(research, 'search_files', { query: 'zeppelin' }, s.ctx('research'));
    expect(none.content).toMatch(/no files match "zeppelin"/);
    const escape = await runTool(research, 'search_files', { query: 'x', path: '../' }, s.ctx('research'));
    expect(escape.isError).toBe(true);
  });
});
