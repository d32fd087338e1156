/** The crash matrix, continued: after some results, during synthesis, and a worker lost too. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killStartedClis, onlySession, readJson, runCli, startCli, tempRuntime } from '../support/cli.js';
import { THREE_STEP_PLAN, callsByAgent, journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { WorkerWatch } from '../support/watch-workers.js';

const runtimes: string[] = [];
const watches: WorkerWatch[] = [];
afterEach(() => {
  killStartedClis();
  for (const w of watches.splice(0)) w.stop();
  for (const r of runtimes.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

async function setup(delays: { alpha: number; beta: number; synthesis?: number }, env?: NodeJS.ProcessEnv) {
  const runtime = tempRuntime('mailroom-crash-');
  runtimes.push(runtime);
  const script = writeScript(runtime, {
    agents: {
      coordinator: [planReply(THREE_STEP_PLAN), textReply('FINAL ANSWER', delays.synthesis), { ...textReply('FINAL ANSWER'), repeat: true }],
      'w01-research': [textReply('ALPHA-OUTPUT', delays.alpha)],
      'w02-research': [textReply('BETA-OUTPUT', delays.beta), textReply('BETA-OUTPUT')],
      'w03-writing': [textReply('GAMMA-OUTPUT')],
    },
  });
  let dir: string | undefined;
  const watch = new WorkerWatch(() => dir).start();
  watches.push(watch);
  const first = startCli(['--runtime-dir', runtime, '--script', script, '--heartbeat-ms', '300', '--heartbeat-misses', '10', 'crash test task'], { env });
  dir = await waitFor(() => fs.existsSync(path.join(runtime, 'sessions')) && fs.readdirSync(path.join(runtime, 'sessions')).length === 1 && onlySession(runtime), 30_000, 'the session folder');
  return { runtime, script, watch, first, dir };
}

describe('crash matrix (continued)', () => {
  it('3. after some results have arrived: finished work is reused, the running worker is reattached', async () => {
    const s = await setup({ alpha: 0, beta: 9000 }, { MAILROOM_CRASH_AT: 'after-first-result' });
    expect((await s.first.done).signal).toBe('SIGKILL');
    const before = journalOf(s.dir);
    expect(before.filter((e) => e.type === 'result')).toHaveLength(1);
    const resumed = await runCli(['--runtime-dir', s.runtime, '--resume', s.dir.split('/').pop()!]);
    s.watch.stop();
    expect(resumed.code, resumed.stderr).toBe(0);
    const journal = journalOf(s.dir);
    expect(journal.filter((e) => e.type === 'reattach').map((e) => e.agent)).toEqual(['w02-research']);
    expect(resumed.stderr).toMatch(/result reused from before the resume/);
    expect(journal.filter((e) => e.type === 'result').map((e) => e.subtask).sort()).toEqual(['alpha', 'beta', 'gamma']);
    expect(callsByAgent(s.script)).toMatchObject({ 'w01-research': 1, 'w02-research': 1, 'w03-writing': 1, coordinator: 2 });
    expect(s.watch.maxConcurrent).toBeLessThanOrEqual(1);
    expect(s.watch.live()).toEqual([]);
  });

  it('4. during synthesis: only the synthesis runs again', async () => {
    const s = await setup({ alpha: 0, beta: 0, synthesis: 30_000 });
    // Killed while the synthesis model call is in flight.
    await waitFor(() => journalOf(s.dir).some((e) => e.type === 'synthesis_started'), 60_000, 'synthesis to start');
    await new Promise((r) => setTimeout(r, 300));
    process.kill(s.first.pid, 'SIGKILL');
    expect((await s.first.done).signal).toBe('SIGKILL');
    const resumed = await runCli(['--runtime-dir', s.runtime, '--resume', 'latest']);
    s.watch.stop();
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('FINAL ANSWER');
    expect(readJson<{ status: string }>(path.join(s.dir, 'session.json')).status).toBe('completed');
    // No worker ran again: one spawn each, one model call each.
    expect(journalOf(s.dir).filter((e) => e.type === 'spawn')).toHaveLength(3);
    expect(callsByAgent(s.script)).toMatchObject({ 'w01-research': 1, 'w02-research': 1, 'w03-writing': 1 });
    // Resuming a completed session prints its result and calls no model.
    const again = await runCli(['--runtime-dir', s.runtime, '--resume', 'latest']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('FINAL ANSWER');
    expect(callsByAgent(s.script).coordinator).toBe(3);
  });

  it('5. a worker that died with the coordinator is respawned as a new attempt from its transcript', async () => {
    const s = await setup({ alpha: 0, beta: 20_000 });
    await waitFor(() => journalOf(s.dir).some((e) => e.type === 'result' && e.subtask === 'alpha') && journalOf(s.dir).find((e) => e.type === 'started' && e.agent === 'w02-research'), 60_000, 'alpha done and beta started');
    // Beta is mid-work (its model call in flight, so its transcript has its first turn): only then do both die.
    await waitFor(() => callsByAgent(s.script)['w02-research'] === 1, 60_000, "beta's model call in flight");
    const beta = journalOf(s.dir).find((e) => e.type === 'spawn' && e.agent === 'w02-research')!.pid as number;
    process.kill(s.first.pid, 'SIGKILL');
    process.kill(beta, 'SIGKILL');
    await s.first.done;
    const resumed = await runCli(['--runtime-dir', s.runtime, '--resume', 'latest']);
    s.watch.stop();
    expect(resumed.code, resumed.stderr).toBe(0);
    const journal = journalOf(s.dir);
    const betaSpawns = journal.filter((e) => e.type === 'spawn' && e.agent === 'w02-research');
    expect(betaSpawns.map((e) => e.attempt)).toEqual([1, 2]);
    expect(journal.find((e) => e.type === 'failure' && e.agent === 'w02-research')).toMatchObject({ code: 'E_CRASHED', final: false });
    const transcript = fs.readFileSync(path.join(s.dir, 'agents', 'w02-research', 'transcript.jsonl'), 'utf8');
    expect(transcript).toMatch(/attempt 2 continues from 1 earlier message/);
    // alpha finished before the crash and was not run again.
    expect(callsByAgent(s.script)['w01-research']).toBe(1);
    expect(s.watch.maxConcurrent).toBeLessThanOrEqual(1);
    expect(s.watch.live()).toEqual([]);
  });
});
