/**
 * The offline synthesis over reports in the findings format: merged under the main
 * report's headings, every citation kept, agreement and conflict stated, nothing added
 * (every quoted line in the answer is a line some worker returned).
 */
import { describe, expect, it } from 'vitest';
import { synthesize } from '../../src/model/offline/synthesizer.js';
import { renderFile, type FileFindings } from '../../src/model/offline/findings.js';
import { synthesisMessage } from '../../src/prompts.js';

const appError: FileFindings = {
  path: 'src/errors.ts',
  header: { path: 'src/errors.ts', start: 1, end: 1, header: true, lines: ['// The error types.'] },
  passages: [{ path: 'src/errors.ts', start: 17, end: 18, lines: ['/** A failure with a code. */', 'export class AppError extends Error {'] }],
};
const retry: FileFindings = {
  path: 'src/retry.ts',
  passages: [{ path: 'src/retry.ts', start: 23, end: 24, lines: ['/** Runs fn, retrying it with backoff. */', 'export async function withRetry() {'] }],
};
const docs: FileFindings = {
  path: 'docs/errors.md',
  passages: [{ path: 'docs/errors.md', start: 10, end: 12, lines: ['## How errors are handled', '', '1. Route code throws an AppError.'] }],
};

const research = (topic: string, files: FileFindings[]) =>
  [`Findings for: ${topic}`, '', `Searched for "${topic}" with search_files, and read the best ${files.length}.`, '', ...files.flatMap((f) => renderFile(f, 3))].join('\n');

function prompt(outputs: Array<{ agent: string; role: string; output: string }>, failures: Array<{ agent: string; subtask: string; reason: string }> = []) {
  return synthesisMessage(
    'Explain error handling and retries',
    outputs.map((o) => ({ ...o, subtask: `${o.role}-x`, role: o.role as 'research' })),
    failures.map((f) => ({ ...f, role: 'research' as const })),
  );
}

describe('offline synthesis of findings', () => {
  const w01 = research('errors', [appError, docs]);
  const w02 = research('retries', [retry, appError]);
  const writer = [
    '# Error handling and retries',
    '',
    '## In short',
    '',
    '- A failure with a code. (`src/errors.ts:17`)',
    '- Runs fn, retrying it with backoff. (`src/retry.ts:23`)',
    '',
    '## Errors',
    '',
    ...renderFile(appError, 3),
    '## Retries',
    '',
    ...renderFile(retry, 3),
    '## Sources',
    '',
    '- `src/errors.ts`: lines 1, 17-18 (found by w01-research)',
  ].join('\n');
  const out = synthesize(
    prompt(
      [
        { agent: 'w01-research', role: 'research', output: w01 },
        { agent: 'w02-research', role: 'research', output: w02 },
        { agent: 'w03-writing', role: 'writing', output: writer },
      ],
      [{ agent: 'w04-research', subtask: 'research-logs', reason: 'wall-clock limit' }],
    ),
  );

  it("keeps the main report's title and headings, and adds files only other workers cite", () => {
    expect(out.split('\n')[0]).toBe('# Error handling and retries');
    const heads = [...out.matchAll(/^(#{2,3}) (.+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(heads.slice(0, 6)).toEqual(['## In short', '## Errors', '### `src/errors.ts`', '## Retries', '### `src/retry.ts`', '## `docs/errors.md`']);
    expect(heads).toEqual(expect.arrayContaining(['## Agreement and conflicts', '## Sources', '## Contributions', '## Gaps and failures']));
  });

  it('keeps every citation any worker made, and the In short list as written', () => {
    for (const body of [w01, w02, writer]) {
      for (const [c] of body.matchAll(/`[^`\s]+:\d+(?:-\d+)?`/g)) expect(out).toContain(c);
    }
    expect(out).toContain('- A failure with a code. (`src/errors.ts:17`)\n- Runs fn, retrying it with backoff. (`src/retry.ts:23`)');
  });

  it('says where the research workers agree, and that none conflicts', () => {
    const section = out.split('## Agreement and conflicts')[1]!.split('\n## ')[0]!;
    expect(section).toContain('- `src/errors.ts` is cited by w01-research and w02-research.');
    expect(section).toContain('- No two workers quote the same line differently.');
  });

  it('adds no quoted line that no worker returned', () => {
    const given = new Set([w01, w02, writer].flatMap((b) => b.split('\n').map((l) => l.trim())));
    const fenced = out.split('\n').filter((l, i, all) => /^\s{2}\S/.test(l) && !/^\s*```/.test(l) && all.slice(0, i).some((x) => /^\s*```/.test(x)));
    expect(fenced.length).toBeGreaterThan(4);
    for (const l of fenced) expect(given.has(l.trim()), l).toBe(true);
    expect(out).toMatch(/- \*\*research-logs\*\* \(w04-research\) failed: wall-clock limit/);
  });

  it('names a conflict when two workers quote the same line differently', () => {
    const changed: FileFindings = { ...appError, header: undefined, passages: [{ ...appError.passages[0]!, lines: ['/** A failure with a code. */', 'export class AppError extends BaseError {'] }] };
    const conflicted = synthesize(
      prompt([
        { agent: 'w01-research', role: 'research', output: research('errors', [appError]) },
        { agent: 'w02-research', role: 'research', output: research('errors again', [changed]) },
      ]),
    );
    expect(conflicted).toMatch(/- Conflict at `src\/errors\.ts:18`: w01-research quotes `export class AppError extends Error \{`; w02-research quotes `export class AppError extends BaseError \{`\./);
    expect(conflicted).not.toContain('No two workers quote the same line differently');
  });

  it('says so when only one worker searched', () => {
    const single = synthesize(prompt([{ agent: 'w01-research', role: 'research', output: research('errors', [appError]) }]));
    expect(single).toContain('- Only w01-research searched the sources, so there are no independent findings to compare.');
    // With no writer, the In short list is the gist of each file's best passage.
    expect(single).toMatch(/^## In short\n\n- A failure with a code\. \(`src\/errors\.ts:17`\)$/m);
  });
});
