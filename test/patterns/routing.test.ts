/**
 * Routing, fallback roles and progressive synthesis, through the real CLI with real worker
 * processes (the other patterns are in patterns.test.ts).
 */
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_PROJECT, onlySession, readJson, readJsonl, runCli, useTempRuntimes } from '../support/cli.js';
import { journalOf, planReply, textReply, writeScript } from '../support/script.js';
import { agents } from '../support/session-files.js';

const runtime = useTempRuntimes('mailroom-pattern-', { afterEach, afterAll });

describe('--pattern route', () => {
  it('classifies the task with the router, journals why, and takes the fallback for an unknown category', async () => {
    const rt = runtime();
    const run = await runCli(['--runtime-dir', rt, '--source', SAMPLE_PROJECT, '--offline', '--pattern', 'route', 'Bake a chocolate cake']);
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(rt);
    const decision = journalOf(dir).find((e) => e.type === 'decision' && e.what === 'route')!;
    expect(decision).toMatchObject({ category: 'unknown', routedTo: 'fallback' });
    expect(String(decision.why).length).toBeGreaterThan(0);
    const decisions = readJsonl<{ what: string }>(path.join(dir, 'artifacts', 'decisions.jsonl'));
    expect(decisions.some((d) => d.what === 'route')).toBe(true);
    expect(readJson<{ subtasks: Array<{ id: string }> }>(path.join(dir, 'plan.json')).subtasks.map((s) => s.id)).toEqual(['fallback']);
    expect(agents(dir)).toEqual(['coordinator', 'human', 'w01-research']);
    expect(run.stdout).toMatch(/_Routed to w01-research \(fallback\)\._/);
  });

  it('routes a known kind of task to its specialist', async () => {
    const rt = runtime();
    const run = await runCli(['--runtime-dir', rt, '--source', SAMPLE_PROJECT, '--offline', '--pattern', 'route', 'Analyze the data on error rates']);
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(rt);
    expect(journalOf(dir).find((e) => e.type === 'decision' && e.what === 'route')).toMatchObject({ category: 'analysis', routedTo: 'analysis' });
    expect(agents(dir)).toEqual(['coordinator', 'human', 'w01-analysis']);
  });
});

describe('fallback roles', () => {
  it('runs the fallback role when the primary fails for good', async () => {
    const rt = runtime();
    const script = writeScript(rt, {
      agents: {
        coordinator: [
          planReply({ subtasks: [{ id: 'numbers', role: 'analysis', description: 'Crunch the numbers', fallbackRole: 'research' }], failurePolicy: 'all' }),
          textReply('FINAL from the fallback'),
        ],
        'w01-analysis': [{ error: { status: 400, message: 'bad request from the model' } }],
        'w02-research': [textReply('FALLBACK RESULT')],
      },
    });
    const run = await runCli(['--runtime-dir', rt, '--script', script, '--no-live', '--attempts', '1', 'task']);
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(rt);
    const j = journalOf(dir);
    expect(j.find((e) => e.type === 'decision' && e.what === 'fallback')).toMatchObject({ subtask: 'numbers', from: 'w01-analysis', agent: 'w02-research', role: 'research' });
    expect(j.find((e) => e.type === 'result')).toMatchObject({ subtask: 'numbers', agent: 'w02-research', output: 'FALLBACK RESULT' });
    expect(readJson<{ status: string }>(path.join(dir, 'agents', 'w01-analysis', 'agent.json')).status).toBe('failed');
    expect(run.stderr).toMatch(/w02-research spawned for numbers/);
  });
});

describe('--progressive', () => {
  it('keeps a running draft in session.json and on stderr, then synthesizes at the barrier', async () => {
    const rt = runtime();
    const run = await runCli(['--runtime-dir', rt, '--source', SAMPLE_PROJECT, '--offline', '--progressive', 'Find how errors are handled and find how logging is done']);
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(rt);
    expect(run.stderr).toMatch(/draft updated/);
    const session = readJson<{ draft?: string }>(path.join(dir, 'session.json'));
    expect(session.draft).toMatch(/w0\d-research/);
    const j = journalOf(dir);
    const drafts = j.filter((e) => e.type === 'decision' && e.what === 'draft');
    expect(drafts.length).toBeGreaterThanOrEqual(1);
    expect(j.findIndex((e) => e.type === 'synthesis')).toBeGreaterThan(j.indexOf(drafts[0]!));
  });
});
