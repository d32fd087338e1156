/**
 * search_files relevance rules (issue 19): whole words and their stems rather than bare
 * prefixes, code-aware tokens, path and outline boosts, proximity, and tests / fixtures /
 * lockfiles / generated files left out unless asked for. Each case builds a tiny tree
 * where only the rule under test separates the right file from the wrong one.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toolsForAgent as toolsForRole } from '../../src/agents/builtin.js';
import { runTool } from '../../src/tools/run.js';
import { codeWords, identifierParts, queryConcepts, stem } from '../../src/text/tokenize.js';
import { fileKind } from '../../src/tools/research/file-kinds.js';
import { headerComment } from '../../src/text/outline.js';
import { makeTempSession } from './helpers.js';
import type { TempSession } from './helpers.js';

const research = toolsForRole('research');
let s: TempSession;

function rankedPaths(content: string): string[] {
  return [...content.matchAll(/^\d+\. (\S+) {2}\(score [\d.]+\)$/gm)].map((m) => m[1]!);
}

async function tree(files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(s.sourceDir, rel)), { recursive: true });
    await writeFile(path.join(s.sourceDir, rel), text);
  }
}

async function search(query: string, extra: Record<string, unknown> = {}): Promise<{ content: string; ranked: string[] }> {
  const r = await runTool(research, 'search_files', { query, ...extra }, s.ctx('research'));
  expect(r.isError, r.content).toBe(false);
  return { content: r.content, ranked: rankedPaths(r.content) };
}

beforeEach(async () => {
  s = await makeTempSession();
});
afterEach(async () => {
  await s.cleanup();
});

describe('tokens', () => {
  it('keeps identifiers whole and splits them at camelCase and snake_case', () => {
    expect(codeWords('handleRequestError MAX_RETRY_COUNT HTTPServer')).toEqual([
      'handlerequesterror', 'handle', 'request', 'error',
      'max_retry_count', 'max', 'retry', 'count',
      'httpserver', 'http', 'server',
    ]);
    expect(identifierParts('parseURLFromInput')).toEqual(['parse', 'URL', 'From', 'Input']);
  });

  it('stems inflections together and keeps "handler" apart from "handle"', () => {
    expect(stem('handles')).toBe(stem('handle'));
    expect(stem('handling')).toBe(stem('handle'));
    expect(stem('handler')).not.toBe(stem('handle'));
    expect(queryConcepts('how does it handle the errors').map((c) => c.word)).toEqual(['handle', 'errors']);
  });
});

describe('search_files matching', () => {
  it('"handles" finds handle and handling, not handler (no bare prefix match)', async () => {
    await tree({
      'reader.ts': '// The mailbox handler: each message goes to its handler.\nexport function handler(message: unknown) {\n  return message;\n}\n',
      'errors.ts': '// How the code handles errors: each failure is handled once.\nexport function handleError(err: unknown) {\n  // handling: log and rethrow\n  throw err;\n}\n',
    });
    const { ranked, content } = await search('handles');
    expect(ranked).toEqual(['errors.ts']);
    expect(content).not.toContain('reader.ts');
    // A word that no file has is named, so nobody mistakes the matches for an answer about it.
    const partial = await search('handles zeppelins');
    expect(partial.ranked).toEqual(['errors.ts']);
    expect(partial.content).toMatch(/\[no file has "zeppelins"\]/);
  });

  it('an exact word ranks above a file that has only its stem', async () => {
    await tree({
      'a-stem.md': 'The queue retried the job, retrying again and again after each retry.\n'.repeat(2),
      'b-exact.md': 'The queue retries the job.\n',
    });
    const { ranked } = await search('retries');
    expect(ranked[0]).toBe('b-exact.md');
    expect(ranked).toContain('a-stem.md');
  });

  it('finds a camelCase identifier from plain words, and the identifier itself', async () => {
    await tree({
      'pool.ts': 'export function acquireConnection() {}\n',
      'notes.md': 'Nothing about that here.\n',
    });
    expect((await search('acquire connection')).ranked).toEqual(['pool.ts']);
    expect((await search('acquireConnection')).ranked).toEqual(['pool.ts']);
  });

  it('boosts a file whose path names the topic', async () => {
    await tree({
      'src/retry.ts': 'export function run() { /* retry */ }\n',
      'src/other.ts': 'export function run() { /* retry */ }\n',
    });
    expect((await search('retry')).ranked[0]).toBe('src/retry.ts');
  });

  it('ranks a file where the words sit together above one where they are far apart', async () => {
    const filler = Array.from({ length: 40 }, (_, i) => `line ${i} of unrelated text`).join('\n');
    await tree({
      'far.md': `The cache is here.\n${filler}\nEviction happens elsewhere.\n`,
      'near.md': `The cache does eviction of old entries.\n${filler}\nMore text.\n`,
    });
    const { ranked } = await search('cache eviction');
    expect(ranked).toEqual(['near.md', 'far.md']);
  });

  it('falls back to word beginnings only when no whole word matches, and says so', async () => {
    await tree({ 'backoff.ts': '// Exponential backoff.\nexport const delay = 2 ** n;\n', 'other.md': 'Nothing here.\n' });
    const { ranked, content } = await search('expon');
    expect(ranked).toEqual(['backoff.ts']);
    expect(content).toMatch(/no whole word matched, so these files match word beginnings/);
  });

  it('refuses a query with nothing to search for', async () => {
    const r = await runTool(research, 'search_files', { query: 'how is it' }, s.ctx('research'));
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/has no words to search for/);
  });
});

describe('search_files leaves out tests, fixtures, lockfiles and generated files', () => {
  beforeEach(async () => {
    const text = 'retry with exponential backoff; retry retry backoff\n';
    await tree({
      'src/retry.ts': '// Retry with exponential backoff.\nexport function retry() {}\n',
      'test/retry.test.ts': text.repeat(5),
      'src/retry.spec.ts': text.repeat(5),
      'fixtures/retry.json': JSON.stringify({ note: text.repeat(5) }),
      'package-lock.json': JSON.stringify({ packages: { 'node_modules/retry': { note: text } } }),
      'src/gen/client.ts': `// Code generated by a tool. DO NOT EDIT.\n${text.repeat(5)}`,
      'dist/retry.js': text.repeat(5),
    });
  });

  it('by default, and names what it left out', async () => {
    const { ranked, content } = await search('retry backoff');
    expect(ranked).toEqual(['src/retry.ts']);
    expect(content).toMatch(/left out 2 tests, 1 fixtures, 1 lockfiles, 2 generated \(pass include to search them\)/);
  });

  it('when include asks for them, or the query names them', async () => {
    expect((await search('retry backoff', { include: ['tests'] })).ranked.sort()).toEqual(['src/retry.spec.ts', 'src/retry.ts', 'test/retry.test.ts']);
    expect((await search('retry backoff tests')).ranked).toContain('test/retry.test.ts');
    expect((await search('retry backoff', { include: ['lockfiles', 'generated'] })).ranked).toEqual(
      expect.arrayContaining(['package-lock.json', 'src/gen/client.ts', 'dist/retry.js']),
    );
  });

  it('when the search folder itself is a test folder', async () => {
    expect((await search('retry backoff', { path: 'test' })).ranked).toEqual(['test/retry.test.ts']);
  });

  it('classifies paths as a person would', () => {
    expect(fileKind('src/__tests__/a.ts')).toBe('tests');
    expect(fileKind('pkg/thing_test.go')).toBe('tests');
    expect(fileKind('test/fixtures/sample/src/errors.ts')).toBe('fixtures');
    expect(fileKind('yarn.lock')).toBe('lockfiles');
    expect(fileKind('web/app.min.js')).toBe('generated');
    expect(fileKind('src/errors.ts', '// Errors.\nexport class E {}\n')).toBeUndefined();
    expect(fileKind('src/contest.ts')).toBeUndefined();
  });
});

describe('header comments', () => {
  it('reads a block comment, line comments, and a Markdown lead paragraph', () => {
    expect(headerComment('#!/usr/bin/env node\n/**\n * Does X.\n * And Y.\n */\ncode();\n')).toMatchObject({ line: 2, text: 'Does X. And Y.' });
    expect(headerComment('\n// One.\n// Two.\nx();\n')).toMatchObject({ line: 2, text: 'One. Two.' });
    expect(headerComment('# Title\n\nThe lead, on\ntwo lines.\n\n## Next\n', 'README.md')).toMatchObject({ line: 3, text: 'The lead, on two lines.' });
    expect(headerComment('export const x = 1;\n')).toBeUndefined();
  });
});
