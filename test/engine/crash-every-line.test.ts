/**
 * Live and resumed state agree: a scripted session is killed (SIGKILL) right after each
 * journal line in turn, then resumed. Every run must end like the clean run: the same
 * session status, the same per-subtask outcome and attempt count, and no finished
 * subtask's model call repeated. (One subtask keeps it to about 20 CLI runs; the crash
 * matrix covers dependencies.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/contracts/journal.js';
import { fold, subtasksOf } from '../../src/engine/subtasks.js';
import { killStartedClis, onlySession, readJson, runCli, tempRuntime } from '../support/cli.js';
import { callsByAgent, journalOf, planReply, textReply, writeScript } from '../support/script.js';

const runtimes: string[] = [];
afterAll(() => {
  killStartedClis();
  for (const r of runtimes.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

const PLAN = {
  subtasks: [
    { id: 'alpha', role: 'research' as const, description: 'Research alpha', dependsOn: [] },
  ],
  failurePolicy: 'all' as const,
};

interface Ending {
  status: string;
  subtasks: Record<string, { status: string; attempt: number; output?: string }>;
  calls: Record<string, number>;
}

async function runOnce(crashAt?: number): Promise<Ending & { crashed: boolean; stderr: string }> {
  const runtime = tempRuntime('mailroom-everyline-');
  runtimes.push(runtime);
  const script = writeScript(runtime, {
    agents: {
      coordinator: [planReply(PLAN), { ...textReply('FINAL ANSWER'), repeat: true }],
      'w01-research': [textReply('ALPHA-OUTPUT', 300)],
    },
  });
  const args = ['--runtime-dir', runtime, '--script', script, '--heartbeat-ms', '300', '--heartbeat-misses', '10'];
  const first = await runCli([...args, 'every line task'], crashAt ? { env: { MAILROOM_CRASH_AT: `journal:${crashAt}` } } : {});
  const crashed = first.signal === 'SIGKILL';
  let stderr = first.stderr;
  if (crashed) stderr += (await runCli(['--runtime-dir', runtime, '--resume', 'latest'])).stderr;
  const dir = onlySession(runtime);
  const state = fold(journalOf(dir) as unknown as JournalEntry[]);
  return {
    crashed,
    stderr,
    status: readJson<{ status: string }>(path.join(dir, 'session.json')).status,
    subtasks: Object.fromEntries(subtasksOf(state).map((s) => [s.subtask.id, { status: s.status, attempt: s.attempt, ...(s.output ? { output: s.output } : {}) }])),
    calls: callsByAgent(script),
  };
}

/** Runs jobs with at most `n` at a time (the machine has two cores, shared). */
async function pool<T>(n: number, jobs: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

describe('a kill -9 after every journal line, then --resume', () => {
  it('ends every time as the clean run does', { timeout: 240_000 }, async () => {
    const clean = await runOnce();
    expect(clean.status, clean.stderr).toBe('completed');
    const dir = onlySession(runtimes[0]!);
    const lines = journalOf(dir).length;
    expect(lines).toBeGreaterThanOrEqual(9);
    // Every line but the last (session_ended: nothing is left to resume after it).
    const points = Array.from({ length: lines - 1 }, (_, i) => i + 1);
    const runs = await pool(3, points.map((n) => () => runOnce(n)));
    for (const [i, r] of runs.entries()) {
      const at = `killed after journal line ${points[i]}`;
      expect(r.crashed, at).toBe(true);
      expect(r.status, `${at}\n${r.stderr}`).toBe(clean.status);
      expect(r.subtasks, at).toEqual(clean.subtasks);
      // No worker's model call repeated; the coordinator plans once and synthesizes once.
      expect(r.calls, at).toEqual(clean.calls);
    }
  });
});
