/** The remaining tools, each through runTool: file editing and paging, Markdown formatting,
 * data description, HTML extraction and the structured review. */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toolsForAgent as toolsForRole } from '../../src/agents/builtin.js';
import { runTool } from '../../src/tools/run.js';
import { makeTempSession, unwrapUntrusted } from './helpers.js';
import type { TempSession } from './helpers.js';

let s: TempSession;
beforeEach(async () => {
  s = await makeTempSession();
});
afterEach(async () => {
  await s.cleanup();
});

const unwrap = unwrapUntrusted;

describe('writing tools', () => {
  const writing = toolsForRole('writing');

  it('edit_file replaces exactly one match and refuses 0 or many', async () => {
    const ctx = s.ctx('writing');
    await runTool(writing, 'write_file', { path: 'doc.md', content: 'alpha beta\nbeta gamma\n' }, ctx);
    const many = await runTool(writing, 'edit_file', { path: 'doc.md', old_string: 'beta', new_string: 'B' }, ctx);
    expect(many).toMatchObject({ isError: true, content: 'old_string occurs 2 times in doc.md; include more surrounding text so it matches exactly once' });
    const none = await runTool(writing, 'edit_file', { path: 'doc.md', old_string: 'delta', new_string: 'D' }, ctx);
    expect(none).toMatchObject({ isError: true, content: 'old_string was not found in doc.md; nothing changed' });
    expect(await readFile(path.join(s.workspaceDir, 'doc.md'), 'utf8')).toBe('alpha beta\nbeta gamma\n');
    const one = await runTool(writing, 'edit_file', { path: 'doc.md', old_string: 'beta gamma', new_string: 'BETA $& gamma' }, ctx);
    expect(one).toMatchObject({ isError: false, content: 'edited doc.md: replaced 1 occurrence at line 2' });
    expect(await readFile(path.join(s.workspaceDir, 'doc.md'), 'utf8')).toBe('alpha beta\nBETA $& gamma\n');
    const missing = await runTool(writing, 'edit_file', { path: 'nope.md', old_string: 'a', new_string: 'b' }, ctx);
    expect(missing.content).toBe('file not found: nope.md');
  });

  it('read_file pages by lines and refuses binaries and folders', async () => {
    const ctx = s.ctx('writing');
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    await runTool(writing, 'write_file', { path: 'long.txt', content: `${lines}\n` }, ctx);
    const page = await runTool(writing, 'read_file', { path: 'long.txt', offset: 11, limit: 5 }, ctx);
    expect(unwrap(page.content)).toBe('line 11\nline 12\nline 13\nline 14\nline 15\n[long.txt: lines 11-15 of 30; use offset=16 to read on]');
    const past = await runTool(writing, 'read_file', { path: 'long.txt', offset: 99 }, ctx);
    expect(past.content).toBe('offset 99 is past the end of "long.txt" (30 lines)');
    await writeFile(path.join(s.workspaceDir, 'blob.bin'), Buffer.from([1, 2, 0, 3]));
    expect((await runTool(writing, 'read_file', { path: 'blob.bin' }, ctx)).content).toMatch(/looks like a binary file/);
    await mkdir(path.join(s.workspaceDir, 'dir'));
    expect((await runTool(writing, 'read_file', { path: 'dir' }, ctx)).content).toMatch(/is a folder; use list_files/);
    expect((await runTool(writing, 'read_file', { path: 'ghost.md' }, ctx)).content).toBe('file not found: ghost.md');
  });

  it('write_file appends on request and list_files shows sizes', async () => {
    const ctx = s.ctx('writing');
    await runTool(writing, 'write_file', { path: 'a/log.md', content: 'one\n' }, ctx);
    const app = await runTool(writing, 'write_file', { path: 'a/log.md', content: 'two\n', append: true }, ctx);
    expect(app.content).toBe('appended 4 bytes to a/log.md');
    expect(await readFile(path.join(s.workspaceDir, 'a', 'log.md'), 'utf8')).toBe('one\ntwo\n');
    const list = await runTool(writing, 'list_files', {}, ctx);
    expect(unwrap(list.content)).toBe('a/\na/log.md  (8 bytes)');
    const shallow = await runTool(writing, 'list_files', { recursive: false }, ctx);
    expect(unwrap(shallow.content)).toBe('a/');
  });

  it('format_document formats Markdown in place with prettier', async () => {
    const ctx = s.ctx('writing');
    const messy = '# Title\n*  one\n*  two\n\n|a|b|\n|-|-|\n|1|2|\n\n\n\nText   with spaces.\n';
    await runTool(writing, 'write_file', { path: 'report.md', content: messy }, ctx);
    const r = await runTool(writing, 'format_document', { path: 'report.md' }, ctx);
    expect(r.isError).toBe(false);
    expect(r.content).toMatch(/^formatted report\.md/);
    const after = await readFile(path.join(s.workspaceDir, 'report.md'), 'utf8');
    expect(after).toBe('# Title\n\n- one\n- two\n\n| a   | b   |\n| --- | --- |\n| 1   | 2   |\n\nText with spaces.\n');
    const again = await runTool(writing, 'format_document', { path: 'report.md' }, ctx);
    expect(again.content).toBe('report.md is already formatted; nothing changed');
    const inline = await runTool(writing, 'format_document', { content: '*  x' }, ctx);
    expect(inline.content).toBe('- x\n');
    const both = await runTool(writing, 'format_document', {}, ctx);
    expect(both.content).toMatch(/give exactly one of path or content/);
  });
});

describe('describe_data', () => {
  const analysis = toolsForRole('analysis');

  it('summarizes a CSV file', async () => {
    await writeFile(
      path.join(s.workspaceDir, 'sales.csv'),
      'region,units,price\nnorth,10,2.5\nsouth,20,3.5\nnorth,,4\neast,40,1\nnorth,30,\n',
    );
    const r = await runTool(analysis, 'describe_data', { path: 'sales.csv' }, s.ctx('analysis'));
    expect(r.isError).toBe(false);
    expect(unwrap(r.content)).toBe(
      [
        'sales.csv: 5 rows, 3 columns',
        '- region: count 5, missing 0, text: 3 distinct; top: "north" (3), "east" (1), "south" (1)',
        '- units: count 5, missing 1, numeric: min 10, max 40, mean 25, median 25, stddev 12.909944',
        '- price: count 5, missing 1, numeric: min 1, max 4, mean 2.75, median 3, stddev 1.322876',
      ].join('\n'),
    );
  });

  it('summarizes a JSON array and refuses other shapes', async () => {
    await writeFile(path.join(s.workspaceDir, 'rows.json'), JSON.stringify([{ a: 1, b: 'x' }, { a: 3, b: null }, { a: 2 }]));
    const r = await runTool(analysis, 'describe_data', { path: 'rows.json' }, s.ctx('analysis'));
    expect(unwrap(r.content)).toBe(
      'rows.json: 3 rows, 2 columns\n- a: count 3, missing 0, numeric: min 1, max 3, mean 2, median 2, stddev 1\n- b: count 3, missing 2, text: 1 distinct; top: "x" (1)',
    );
    await writeFile(path.join(s.workspaceDir, 'obj.json'), '{"a": 1}');
    const bad = await runTool(analysis, 'describe_data', { path: 'obj.json' }, s.ctx('analysis'));
    expect(bad.content).toBe('obj.json must hold a JSON array of objects (one object per row)');
    await writeFile(path.join(s.workspaceDir, 'broken.json'), '[{"a": ');
    expect((await runTool(analysis, 'describe_data', { path: 'broken.json' }, s.ctx('analysis'))).content).toMatch(/cannot parse broken\.json as JSON/);
  });
});

describe('extract_text', () => {
  it('extracts the article text of an HTML file in the workspace', async () => {
    await writeFile(
      path.join(s.workspaceDir, 'page.html'),
      '<html><head><title>T</title><script>evil()</script></head><body><nav>Menu</nav><main><h2>Heading</h2><p>First paragraph with <b>bold</b> text.</p><ul><li>one</li><li>two</li></ul></main></body></html>',
    );
    const r = await runTool(toolsForRole('research'), 'extract_text', { path: 'workspace/page.html' }, s.ctx('research'));
    expect(r.isError).toBe(false);
    const text = unwrap(r.content);
    expect(text).toContain('File: workspace/page.html');
    expect(text).toContain('First paragraph with bold text.');
    expect(text).toMatch(/\* one\n \* two/);
    expect(text).not.toMatch(/<p>|evil\(\)/);
    expect(r.content).toContain('source="extract_text: workspace/page.html"');
  });
});

describe('submit_review', () => {
  const review = toolsForRole('review');

  it('returns the validated review as JSON', async () => {
    const input = { score: 0.8, summary: 'Solid draft.', criteria: [{ name: 'accuracy', score: 0.9, feedback: 'Cites sources.' }] };
    const r = await runTool(review, 'submit_review', input, s.ctx('review'));
    expect(r.isError).toBe(false);
    expect(JSON.parse(r.content)).toEqual(input);
  });

  it('refuses scores outside 0..1 and names the field', async () => {
    const r = await runTool(
      review,
      'submit_review',
      { score: 1.5, summary: 'x', criteria: [{ name: 'clarity', score: -1, feedback: '' }] },
      s.ctx('review'),
    );
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/→ at score/);
    expect(r.content).toMatch(/→ at criteria\[0\]\.score/);
  });
});
