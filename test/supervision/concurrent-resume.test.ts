/**
 * Two `--resume` of the same crashed session started at the same instant, 30 times (issue
 * 12, item 11): exactly one coordinator resumes each time, the other is refused naming the
 * winner's pid (or, if it came in after the end, finds the session completed); nobody
 * hangs, and no result is journaled twice or dead-lettered.
 *
 * One crashed session is made for real (kill -9 after the spawn, the worker's result left
 * waiting in the coordinator's mailbox), then copied 30 times, so each round costs only
 * the two resumes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killStartedClis, onlySession, readJson, startCli, tempRuntime } from '../support/cli.js';
import { mailbox } from '../support/session-files.js';
import { journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { findWorkerProcesses } from '../../src/engine/process/procscan.js';

const ROUNDS = 30;
/** Rounds run side by side: two CLIs each. */
const PARALLEL = 2;
/** A resume that takes longer than this has hung. */
const HANG_MS = 90_000;

const runtimes: string[] = [];
afterAll(() => {
  killStartedClis();
  for (const r of runtimes) fs.rmSync(r, { recursive: true, force: true });
});

/** A session whose coordinator was SIGKILLed after the spawn; the worker's result waits unhandled. */
async function makeCrashedSession(): Promise<{ runtime: string; id: string }> {
  const runtime = tempRuntime('mailroom-race-src-');
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
  const first = startCli(['--runtime-dir', runtime, '--script', script, 'race test task'], { env: { MAILROOM_CRASH_AT: 'after-spawn' } });
  expect((await first.done).signal).toBe('SIGKILL');
  const dir = onlySession(runtime);
  await waitFor(() => findWorkerProcesses(dir).size === 0 && mailbox(dir, 'coordinator', 'new').some((m) => m.type === 'result'), 60_000, 'the orphaned worker to leave its result');
  return { runtime, id: path.basename(dir) };
}

interface Round {
  dir: string;
  runs: Array<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

async function raceOnce(source: { runtime: string; id: string }, n: number): Promise<Round> {
  const runtime = tempRuntime(`mailroom-race-${n}-`);
  runtimes.push(runtime);
  fs.cpSync(path.join(source.runtime, 'sessions'), path.join(runtime, 'sessions'), { recursive: true });
  const args = ['--runtime-dir', runtime, '--resume', source.id];
  const runs = await Promise.all(
    [0, 1].map(async () => {
      const run = startCli(args);
      const timer = setTimeout(() => run.child.kill('SIGKILL'), HANG_MS);
      const done = await run.done;
      clearTimeout(timer);
      return done;
    }),
  );
  return { dir: path.join(runtime, 'sessions', source.id), runs };
}

describe('two concurrent --resume of one crashed session', () => {
  it(`gives exactly one winner in each of ${ROUNDS} rounds, with no duplicate result`, async () => {
    const source = await makeCrashedSession();
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, ROUNDS - i) }, (_, k) => raceOnce(source, i + k));
      rounds.push(...(await Promise.all(batch)));
    }
    let refused = 0;
    for (const [i, r] of rounds.entries()) {
      const where = `round ${i + 1}: ${r.runs.map((x) => `exit ${x.code ?? x.signal}: ${x.stderr.split('\n').filter((l) => /mailroom:|session /.test(l)).join(' | ')}`).join(' || ')}`;
      // Nobody hung (a hung resume was SIGKILLed above), and nobody crashed.
      expect(r.runs.map((x) => x.signal), where).toEqual([null, null]);
      const journal = journalOf(r.dir);
      const resumed = journal.filter((e) => e.type === 'session_resumed');
      expect(resumed, where).toHaveLength(1);
      const winnerPid = resumed[0]!.pid as number;
      expect(readJson<{ status: string }>(path.join(r.dir, 'session.json')).status, where).toBe('completed');
      // Exactly one result journaled, none dead-lettered, and one end.
      expect(journal.filter((e) => e.type === 'result').map((e) => e.output), where).toEqual(['ONLY-OUTPUT']);
      expect(journal.filter((e) => e.type === 'session_ended'), where).toHaveLength(1);
      expect(mailbox(r.dir, 'coordinator', 'dead'), where).toEqual([]);
      // One run completed the session; the other was refused naming the winner, or found it done.
      const codes = r.runs.map((x) => x.code).sort();
      expect(codes[0], where).toBe(0);
      const other = r.runs.find((x) => x.code !== 0);
      if (other) {
        refused++;
        expect(other.code, where).toBe(1);
        expect(other.stderr, where).toContain(`held by a live coordinator (pid ${winnerPid})`);
      }
    }
    // Most rounds are a real race: both start together and one is turned away.
    expect(refused).toBeGreaterThan(0);
  }, 600_000);
});
