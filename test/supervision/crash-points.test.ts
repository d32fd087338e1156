/**
 * The crash matrix's newer points (issue 12): a kill -9 during the usage.json save, during
 * a journal append, and between a spawn and the worker's read of its assignment (a host
 * crash that takes the worker down too). Each is resumed at once and must end `completed`,
 * with every result journaled once and no model call repeated.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killStartedClis, onlySession, readJson, runCli, startCli, tempRuntime } from '../support/cli.js';
import { mailbox } from '../support/session-files.js';
import { THREE_STEP_PLAN, callsByAgent, journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { WorkerWatch } from '../support/watch-workers.js';
import { readCalls } from '../../src/model/scripted.js';

const runtimes: string[] = [];
const watches: WorkerWatch[] = [];
afterEach(() => {
  killStartedClis();
  for (const w of watches.splice(0)) w.stop();
  for (const r of runtimes.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

/** Runs a three-subtask session that SIGKILLs itself at `point`, then resumes it at once. */
async function crashAtAndResume(point: string, delays: { alpha: number; beta: number }) {
  const runtime = tempRuntime('mailroom-crashpt-');
  runtimes.push(runtime);
  const script = writeScript(runtime, {
    agents: {
      coordinator: [planReply(THREE_STEP_PLAN), { ...textReply('FINAL ANSWER from alpha, beta and gamma'), repeat: true }],
      'w01-research': [textReply('ALPHA-OUTPUT', delays.alpha)],
      'w02-research': [textReply('BETA-OUTPUT', delays.beta)],
      'w03-writing': [textReply('GAMMA-OUTPUT')],
    },
  });
  let dir: string | undefined;
  const watch = new WorkerWatch(() => dir).start();
  watches.push(watch);
  const args = ['--runtime-dir', runtime, '--script', script, '--heartbeat-ms', '300', '--heartbeat-misses', '10'];
  const first = startCli([...args, 'crash point task'], { env: { MAILROOM_CRASH_AT: point } });
  dir = await waitFor(() => fs.existsSync(path.join(runtime, 'sessions')) && fs.readdirSync(path.join(runtime, 'sessions')).length === 1 && onlySession(runtime), 30_000, 'the session folder');
  const crashed = await first.done;
  expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
  expect(readJson<{ status: string }>(path.join(dir, 'session.json')).status).toBe('running');
  const before = journalOf(dir);
  // Resumed right away: well within the 10 s that a stale lock used to need.
  const resumed = await runCli(['--runtime-dir', runtime, '--resume', 'latest']);
  watch.sample();
  watch.stop();
  return { dir, before, resumed, script, watch, journal: journalOf(dir) };
}

function expectCompleted(r: Awaited<ReturnType<typeof crashAtAndResume>>) {
  expect(r.resumed.code, r.resumed.stderr).toBe(0);
  expect(r.resumed.stdout).toContain('FINAL ANSWER');
  expect(readJson<{ status: string; epoch: number }>(path.join(r.dir, 'session.json'))).toMatchObject({ status: 'completed', epoch: 1 });
  const results = r.journal.filter((e) => e.type === 'result');
  expect(results.map((e) => `${e.subtask as string}=${e.output as string}`).sort()).toEqual(['alpha=ALPHA-OUTPUT', 'beta=BETA-OUTPUT', 'gamma=GAMMA-OUTPUT']);
  // Nothing the coordinator received was dead-lettered (a failing handler puts results there).
  expect(mailbox(r.dir, 'coordinator', 'dead')).toEqual([]);
  // Zero repeated model calls: one per worker, and the plan and the synthesis once each
  // (a consultation about a lost worker is a new call, not a repeated one).
  const calls = readCalls(`${r.script}.calls.jsonl`).filter((c) => c.purpose !== 'consult');
  const byAgent: Record<string, number> = {};
  for (const c of calls) byAgent[c.agent] = (byAgent[c.agent] ?? 0) + 1;
  expect(byAgent).toEqual({ coordinator: 2, 'w01-research': 1, 'w02-research': 1, 'w03-writing': 1 });
  expect(r.watch.maxConcurrent).toBeLessThanOrEqual(1);
  expect(r.watch.live()).toEqual([]);
  // No temporary file of a write cut short is left behind.
  const leftovers = fs.readdirSync(r.dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tmp'));
  expect(leftovers).toEqual([]);
}

describe('crash points: kill -9, then an immediate --resume', () => {
  it('during the usage.json save: the resume is not blocked by a usage lock, and ends completed', async () => {
    const r = await crashAtAndResume('during-usage-save', { alpha: 0, beta: 3000 });
    // It died after alpha's result was journaled, inside the save that followed it.
    expect(r.before.filter((e) => e.type === 'result').map((e) => e.subtask)).toEqual(['alpha']);
    expectCompleted(r);
    expect(r.resumed.stderr).not.toMatch(/already being held/);
  }, 180_000);

  it('during a journal append: the torn line is skipped and the result is handled again from the mailbox', async () => {
    const r = await crashAtAndResume('during-journal-append', { alpha: 0, beta: 3000 });
    const raw = fs.readFileSync(path.join(r.dir, 'journal.jsonl'), 'utf8');
    // The crash left a torn line; the resume's first event still starts on a line of its own.
    expect(r.before.filter((e) => e.type === 'result')).toEqual([]);
    expect(raw.split('\n').filter((l) => l.includes('"session_resumed"')).every((l) => l.startsWith('{'))).toBe(true);
    expect(r.journal.filter((e) => e.type === 'session_resumed')).toHaveLength(1);
    expectCompleted(r);
  }, 180_000);

  it('between a spawn and the assignment read (worker and coordinator both lost): the retry reads only its own assignment', async () => {
    const r = await crashAtAndResume('before-assign-read', { alpha: 0, beta: 0 });
    expect(r.before.filter((e) => e.type === 'started')).toEqual([]);
    expectCompleted(r);
    // Every respawned worker said `started` for its own attempt, and its result is that attempt's.
    for (const agent of ['w01-research', 'w02-research'] as const) {
      const spawns = r.journal.filter((e) => e.type === 'spawn' && e.agent === agent);
      const last = spawns.at(-1)!.attempt as number;
      if (spawns.length > 1) expect(last).toBeGreaterThan(1);
      expect(r.journal.filter((e) => e.type === 'started' && e.agent === agent).map((e) => e.attempt)).toEqual([last]);
      expect(r.journal.find((e) => e.type === 'result' && e.agent === agent)?.attempt).toBe(last);
      // The stale assignment of the lost attempt was acked away, never handled as this one's.
      expect(mailbox(r.dir, agent, 'new')).toEqual([]);
    }
  }, 180_000);
});

describe('a worker killed before it reads its assignment (its coordinator lives on)', () => {
  it('is retried, and the retry runs its own assignment to the end', async () => {
    const runtime = tempRuntime('mailroom-crashpt-');
    runtimes.push(runtime);
    const script = writeScript(runtime, {
      agents: {
        coordinator: [
          planReply({ subtasks: [{ id: 'only', role: 'research', description: 'Research the one thing', dependsOn: [] }], failurePolicy: 'all' }),
          { ...textReply('FINAL ANSWER'), repeat: true },
        ],
        'w01-research': [textReply('ONLY-OUTPUT')],
      },
    });
    const run = await runCli(['--runtime-dir', runtime, '--script', script, '--heartbeat-ms', '300', 'assignment test task'], {
      env: { MAILROOM_WORKER_FAULTS: 'die-before-assign' },
    });
    const dir = onlySession(runtime);
    expect(run.code, run.stderr).toBe(0);
    const journal = journalOf(dir);
    expect(journal.filter((e) => e.type === 'spawn').map((e) => e.attempt)).toEqual([1, 2]);
    expect(journal.filter((e) => e.type === 'failure').map((e) => `${e.attempt as number}:${e.code as string}`)).toEqual(['1:E_CRASHED']);
    // Attempt 2 said `started` for attempt 2 (not for the lost attempt 1), and delivered attempt 2's result.
    expect(journal.filter((e) => e.type === 'started').map((e) => e.attempt)).toEqual([2]);
    expect(journal.filter((e) => e.type === 'result').map((e) => e.attempt)).toEqual([2]);
    // Both assignments are handled history now: none is left to poison a later attempt.
    expect(mailbox(dir, 'w01-research', 'new')).toEqual([]);
    expect(mailbox(dir, 'w01-research', 'cur').map((m) => m.id)).toEqual(['assign-1-only', 'assign-2-only']);
    expect(callsByAgent(script)['w01-research']).toBe(1);
  }, 180_000);
});
