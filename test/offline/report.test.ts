/**
 * The offline model's report for a fixed task over the relevance fixture tree, made by a
 * real run of the CLI (real worker processes, real tools): its title, its "In short" list
 * with citations, its sections, its sources, and that every citation points to a real
 * line holding the quoted text. The synthesized answer keeps every one of those citations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_ROOT } from '../../bench/relevance/measure.js';
import { QUERIES } from '../../bench/relevance/queries.js';
import { formatMarkdown } from '../../src/tools/writing/format.js';
import { killStartedClis, onlySession, runCli, tempRuntime } from '../support/cli.js';

const TASK = "Summarize how this folder's code handles errors and write it up as a short report";
const CITE = /`([^`\s]+):(\d+)(?:-(\d+))?`/g;

let runtime: string;
let report: string;
let result: string;
let stdout: string;

/** The lines of a fixture file, 1-based (index 0 unused). */
function fileLines(rel: string): string[] {
  const abs = path.join(FIXTURE_ROOT, rel);
  expect(fs.existsSync(abs), `cited file ${rel} exists`).toBe(true);
  return ['', ...fs.readFileSync(abs, 'utf8').split('\n')];
}

/** Text of a code span or of plain text, as CommonMark reads it. */
function unquote(q: string): string {
  const span = /^(`+)([\s\S]*)\1$/.exec(q);
  if (!span) return q;
  const inner = span[2]!;
  return inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() ? inner.slice(1, -1) : inner;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
/** A source line without its comment or list marker. */
const prose = (l: string) =>
  l
    .trim()
    .replace(/^(\/\*\*?|\*\/?|\/\/+|#+|[-*+]|\d+[.)])\s*/, '')
    .replace(/\s*\*\/$/, '');

/** Section bodies keyed by their `## ` heading. */
function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of md.split(/^## /m).slice(1)) {
    const nl = part.indexOf('\n');
    out.set(part.slice(0, nl).trim(), part.slice(nl + 1));
  }
  return out;
}

beforeAll(async () => {
  runtime = tempRuntime('mailroom-offline-report-');
  const run = await runCli(['--runtime-dir', runtime, '--source', FIXTURE_ROOT, '--offline', TASK]);
  expect(run.code, run.stderr).toBe(0);
  stdout = run.stdout;
  const dir = onlySession(runtime);
  report = fs.readFileSync(path.join(dir, 'workspace', 'report.md'), 'utf8');
  result = fs.readFileSync(path.join(dir, 'result.md'), 'utf8');
}, 120_000);

afterAll(() => {
  killStartedClis();
  fs.rmSync(runtime, { recursive: true, force: true });
});

describe('the offline report', () => {
  it('has a title from the task, then In short, sections, and Sources, in that order', () => {
    expect(report.split('\n')[0]).toBe("# How this folder's code handles errors");
    const heads = [...report.matchAll(/^## (.+)$/gm)].map((m) => m[1]!);
    expect(heads[0]).toBe('In short');
    expect(heads.at(-1)).toBe('Sources');
    const fileSections = heads.slice(1, -1);
    expect(fileSections.length).toBeGreaterThanOrEqual(2);
    for (const h of fileSections) expect(h).toMatch(/^`[^`]+`$/);
  });

  it('lists three to five findings in short, each quoted from the line it cites, all on topic', () => {
    const items = sections(report).get('In short')!.split('\n').filter((l) => l.startsWith('- '));
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(items.length).toBeLessThanOrEqual(5);
    const relevant = QUERIES.find((q) => q.query === 'handles errors')!.relevant;
    for (const item of items) {
      const m = /^- (.+) \(`([^`\s]+):(\d+)(?:-(\d+))?`\)$/.exec(item);
      expect(m, item).not.toBeNull();
      const [, quoted, rel, a, b] = m!;
      const lines = fileLines(rel!).slice(Number(a), Number(b ?? a) + 1);
      expect(lines.length, item).toBeGreaterThan(0);
      const q = squash(unquote(quoted!));
      expect(q.length).toBeGreaterThan(10);
      const raw = squash(lines.join(' '));
      const text = squash(lines.map(prose).join(' '));
      expect(raw.includes(q) || text.includes(q), `${item}\nnot in: ${raw}`).toBe(true);
      // The strongest findings come from files a person marked relevant to this question.
      expect(Object.keys(relevant), item).toContain(rel);
    }
  });

  it('quotes every passage verbatim under a citation that points to its real lines', () => {
    const lines = report.split('\n');
    let passages = 0;
    for (let i = 0; i < lines.length; i++) {
      const cite = /^- `([^`\s]+):(\d+)(?:-(\d+))?`( \(.+\))?$/.exec(lines[i]!);
      if (!cite) continue;
      const [, rel, a, b] = cite;
      const start = Number(a);
      const end = Number(b ?? a);
      const open = /^\s*(`{3,})/.exec(lines[i + 1] ?? '');
      expect(open, `a fence follows ${lines[i]}`).not.toBeNull();
      const body: string[] = [];
      for (let j = i + 2; !new RegExp(`^\\s*${open![1]}\\s*$`).test(lines[j]!); j++) body.push(lines[j]!);
      const src = fileLines(rel!);
      expect(body.length, lines[i]).toBe(end - start + 1);
      body.forEach((l, k) => expect(l.trim(), `${rel}:${start + k}`).toBe(src[start + k]!.trim()));
      passages++;
    }
    expect(passages).toBeGreaterThanOrEqual(4);
  });

  it('cites real lines everywhere, never a test, fixture, lockfile or generated file', () => {
    const cites = [...report.matchAll(CITE)];
    expect(cites.length).toBeGreaterThan(5);
    for (const [, rel, a, b] of cites) {
      const src = fileLines(rel!);
      expect(Number(a)).toBeGreaterThanOrEqual(1);
      expect(Number(b ?? a)).toBeLessThan(src.length);
      expect(rel).not.toMatch(/^test\/|fixtures\/|package-lock\.json|generated\//);
    }
  });

  it('lists every file it quotes under Sources, and nothing else', () => {
    const sourceFiles = [...sections(report).get('Sources')!.matchAll(/^- `([^`]+)`: lines [\d, -]+ \(found by w\d\d-research\)$/gm)].map((m) => m[1]);
    const quoted = [...new Set([...report.matchAll(CITE)].map((m) => m[1]))];
    expect(sourceFiles.sort()).toEqual(quoted.sort());
  });

  it('is formatted by the formatter, and the answer is the saved report', async () => {
    expect(await formatMarkdown(report)).toBe(report);
    // The writer's answer is the report; synthesis keeps its title and every citation.
    expect(result.split('\n')[0]).toBe("# How this folder's code handles errors");
    for (const [c] of report.matchAll(CITE)) expect(result).toContain(c);
    expect(result).toMatch(/^## In short$/m);
    expect(result).toMatch(/^## Agreement and conflicts$/m);
    expect(result).toMatch(/^## Sources$/m);
    expect(stdout).toContain(result.split('\n')[0]);
  });
});
