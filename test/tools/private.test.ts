/**
 * The research tools leave mailroom's runtime folder and secret-looking files out of the
 * source folder by default (issue 13, item 10); the session option opts them back in.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionOptionsSchema } from '../../src/config.js';
import { toolsForAgent as toolsForRole } from '../../src/agents/builtin.js';
import { runTool } from '../../src/tools/run.js';
import { walkTextFiles } from '../../src/tools/research/walk.js';
import { makeTempSession, unwrapUntrusted } from './helpers.js';
import type { TempSession } from './helpers.js';

const research = toolsForRole('research');
let s: TempSession;

beforeAll(async () => {
  s = await makeTempSession();
  const src = s.sourceDir;
  const session = path.join(src, 'runtime', 'sessions', '20260101-120000-abcdef');
  await mkdir(path.join(session, 'agents', 'w01-research'), { recursive: true });
  await writeFile(path.join(session, 'session.json'), '{"task":"old"}');
  await writeFile(path.join(session, 'agents', 'w01-research', 'transcript.jsonl'), '{"text":"zebracorn transcript of another session"}\n');
  await writeFile(path.join(src, '.env'), 'API_KEY=zebracorn-env\n');
  await writeFile(path.join(src, '.env.production'), 'DB_PASSWORD=zebracorn-prod\n');
  await writeFile(path.join(src, 'server.pem'), 'zebracorn-pem\n');
  await writeFile(path.join(src, 'id_ed25519'), 'zebracorn-ssh\n');
  await mkdir(path.join(src, 'docs'));
  await writeFile(path.join(src, 'docs', 'notes.md'), 'The zebracorn is a documented creature.\n');
  await writeFile(path.join(src, 'id_map.md'), 'zebracorn ids map (an ordinary file)\n');
});
afterAll(async () => {
  await s.cleanup();
});

describe('private files in the source folder', () => {
  it('search_files leaves out the runtime folder and secret files by default', async () => {
    const r = await runTool(research, 'search_files', { query: 'zebracorn' }, s.ctx('research'));
    const text = unwrapUntrusted(r.content);
    expect(text).toContain('docs/notes.md');
    expect(text).toContain('id_map.md');
    for (const hidden of ['transcript', '.env', 'server.pem', 'id_ed25519', 'zebracorn-env', 'zebracorn-prod']) expect(text).not.toContain(hidden);
  });

  it('read_file and extract_text refuse them by name', async () => {
    for (const p of ['.env', '.env.production', 'server.pem', 'id_ed25519', 'runtime/sessions/20260101-120000-abcdef/agents/w01-research/transcript.jsonl']) {
      const r = await runTool(research, 'read_file', { path: p }, s.ctx('research'));
      expect(r.isError, p).toBe(true);
      expect(r.content).toMatch(/research tools leave it out \(the session option --include-private-files lets them in\)/);
      expect(r.content).not.toContain('zebracorn');
    }
    const x = await runTool(research, 'extract_text', { path: '.env' }, s.ctx('research'));
    expect(x.isError).toBe(true);
    const sub = await runTool(research, 'search_files', { query: 'zebracorn', path: 'runtime/sessions' }, s.ctx('research'));
    expect(sub.content).toMatch(/mailroom's runtime folder/);
  });

  it('the opt-in lets them in', async () => {
    const ctx = s.ctx('research', { includePrivateFiles: true });
    const r = await runTool(research, 'read_file', { path: '.env' }, ctx);
    expect(unwrapUntrusted(r.content)).toBe('API_KEY=zebracorn-env');
    const walked = await walkTextFiles(s.sourceDir, undefined, undefined, { includePrivate: true });
    expect(walked.files.map((f) => f.rel)).toContain('runtime/sessions/20260101-120000-abcdef/agents/w01-research/transcript.jsonl');
    expect(SessionOptionsSchema.parse({ task: 't' }).includePrivateFiles).toBe(false);
  });
});
