/**
 * The offline research routine's extraction: passages are whole units (doc comment with
 * its signature, heading with its paragraph) quoted verbatim at their real line numbers,
 * header comments open each file, near-duplicates are dropped, the findings format reads
 * back what it wrote, and tool results are unwrapped robustly (wrapper, page footer).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_ROOT } from '../../bench/relevance/measure.js';
import { codeSpan, gist, inlineQuote, parseFindings, renderFile } from '../../src/model/offline/findings.js';
import { dropNearDuplicates, extractFindings } from '../../src/model/offline/passages.js';
import { rankedPaths, readPage } from '../../src/model/offline/research.js';
import { unwrapToolResult } from '../../src/model/offline/turn-state.js';
import { titleOf } from '../../src/model/offline/writing.js';
import { wrapUntrusted } from '../../src/tools/output.js';
import { workerTurn } from '../../src/model/offline/worker.js';
import { workerTaskMessage } from '../../src/prompts.js';
import { toolsForAgent as toolsForRole } from '../../src/agents/builtin.js';
import { toolDefinitions } from '../../src/tools/registry.js';

const read = (rel: string) => fs.readFileSync(path.join(FIXTURE_ROOT, rel), 'utf8');

describe('passages', () => {
  it('quotes a doc comment with the signature it documents, at its real lines', () => {
    const text = read('src/retry.ts');
    const f = extractFindings('src/retry.ts', text, 'retry backoff');
    const lines = text.split('\n');
    expect(f.header).toMatchObject({ start: 1, end: 4, header: true });
    for (const p of [f.header!, ...f.passages]) {
      expect(p.lines).toEqual(lines.slice(p.start - 1, p.end).map((l) => l.trimEnd()));
    }
    const withRetry = f.passages.find((p) => p.lines.some((l) => l.includes('export async function withRetry')))!;
    expect(withRetry).toMatchObject({ start: 23, end: 27 });
    expect(withRetry.lines[0]).toBe('/**');
    expect(gist(withRetry)).toEqual({
      quote: 'Runs `fn`, retrying it with exponential backoff while it fails with a retryable error.',
      start: 24,
      end: 24,
    });
  });

  it('quotes a Markdown paragraph with its heading, and counts lines from a paged read', () => {
    const text = read('docs/deployment.md');
    const f = extractFindings('docs/deployment.md', text, 'graceful shutdown');
    expect(f.passages[0]).toMatchObject({ start: 16, end: 20 });
    expect(f.passages[0]!.lines[0]).toBe('## Graceful shutdown');
    // The same text read from line 11 on: the same passage, at the same line numbers.
    const paged = text.split('\n').slice(10).join('\n');
    expect(extractFindings('docs/deployment.md', paged, 'graceful shutdown', 11).passages[0]).toEqual(f.passages[0]);
  });

  it('drops a passage that repeats an earlier one almost word for word', () => {
    const a = extractFindings('a.ts', '/** Retries a failing call with backoff. */\nexport function retry() {}\n', 'retry');
    const b = extractFindings('b.ts', '/** Retries a failing call with backoff! */\nexport function retry() {}\n', 'retry');
    const c = extractFindings('c.ts', '/** Hashes a password with scrypt. */\nexport function hash() {}\n', 'hash');
    const kept = dropNearDuplicates([a, b, c]);
    expect(kept.map((f) => f.passages.length + (f.header ? 1 : 0))).toEqual([1, 0, 1]);
  });
});

describe('the findings format', () => {
  it('reads back exactly what it renders, fences and backticks included', () => {
    const f = extractFindings('docs/errors.md', read('docs/errors.md'), 'error response body');
    const md = renderFile(f, 3).join('\n');
    expect(md).toContain('````text'); // the passage holds a ``` fence of its own
    expect(parseFindings(`Findings for: x\n\n${md}`)).toEqual([f]);
  });

  it('quotes inline text plainly only when Markdown cannot change it', () => {
    expect(inlineQuote('Every failure becomes an `AppError` with E_INTERNAL.')).toBe('Every failure becomes an `AppError` with E_INTERNAL.');
    expect(inlineQuote('a *very* big deal')).toBe('`a *very* big deal`');
    expect(inlineQuote('1. first')).toBe('`1. first`');
    expect(codeSpan('has `ticks`')).toBe('`` has `ticks` ``');
  });
});

describe('reading tool results', () => {
  it('unwraps the untrusted wrapper and reads the page footer', () => {
    const body = 'line eleven\nline twelve\n[docs/x.md: lines 11-12 of 40; use offset=13 to read on]';
    expect(readPage(wrapUntrusted(body, 'read_file: docs/x.md'))).toEqual({ text: 'line eleven\nline twelve', firstLine: 11 });
    // A differently named wrapper of the same shape is unwrapped too; plain text stays as it is.
    expect(unwrapToolResult('<external-data id="7">\nA\nB\n</external-data>\nNotice.')).toBe('A\nB');
    expect(unwrapToolResult('<html>\nA\n</html>')).toBe('<html>\nA\n</html>');
  });

  it('reads the ranked files of a search result, best first, keeping those near the best', () => {
    const out = ['5 file(s) match', '1. src/a.ts  (score 100)', '   3: x', '2. docs/b.md  (score 40)', '3. src/c.ts  (score 2)'].join('\n');
    expect(rankedPaths(wrapUntrusted(out, 'search_files: x'))).toEqual(['src/a.ts', 'docs/b.md']);
  });

  it('titles a report from what was asked', () => {
    expect(titleOf(["Summarize how this folder's code handles errors"])).toBe("How this folder's code handles errors");
    expect(titleOf(['Find how errors are handled', 'find how logging is done'])).toBe('How errors are handled, and how logging is done');
  });
});

describe('the writing routine', () => {
  it('formats the report first, and says when the sources never mention part of the question', () => {
    const f = extractFindings('src/retry.ts', read('src/retry.ts'), 'retry zeppelins');
    const body = ['Findings for: Find how zeppelins retry', '', 'Searched for "zeppelins retry" with search_files, and read the best 1.', '', 'None of the files read mention "zeppelins"; the passages below match only the other words.', '', ...renderFile(f, 3)].join('\n');
    const reply = workerTurn({
      model: 'offline',
      max_tokens: 1000,
      messages: [{ role: 'user', content: workerTaskMessage('Write it up (part of the task: "Find how zeppelins retry and write it up")', undefined, [{ agent: 'w01-research', subtask: 'research-z', output: body }]) }],
      tools: toolDefinitions(toolsForRole('writing')),
      metadata: { agentId: 'w02-writing', role: 'writing', purpose: 'turn' },
    });
    if (reply.kind !== 'tools') throw new Error(`expected a tool call, got: ${reply.text}`);
    const first = reply.calls[0]!;
    const content = String(first.input.content);
    expect(first.name).toBe('format_document');
    expect(content.split('\n')[0]).toBe('# How zeppelins retry');
    expect(content).toContain('None of the files read mention "zeppelins"; the passages below match only the other words.');
    expect(content).toMatch(/^## In short\n\n- .+ \(`src\/retry\.ts:\d+(-\d+)?`\)$/m);
  });
});
