/**
 * The crash matrix: the coordinator is killed with SIGKILL at each interesting point, then
 * `--resume` must finish the session with no finished subtask's model call repeated, no
 * result lost, and never two live workers for one subtask.
 */
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

interface Case {
  name: string;
  delays: { alpha: number; beta: number };
  env?: NodeJS.ProcessEnv;
  /** Waits for the moment to kill the coordinator, when no crash point does it. */
  killWhen?: (dir: string) => boolean;
  /** Wait for every worker to exit before resuming (their results wait in the mailbox). */
  waitForWorkers?: boolean;
}

async function crashAndResume(c: Case) {
  const runtime = tempRuntime('mailroom-crash-');
  runtimes.push(runtime);
  const script = writeScript(runtime, {
    agents: {
      coordinator: [planReply(THREE_STEP_PLAN), { ...textReply('FINAL ANSWER from alpha, beta and gamma'), repeat: true }],
      'w01-research': [textReply('ALPHA-OUTPUT', c.delays.alpha)],
      'w02-research': [textReply('BETA-OUTPUT', c.delays.beta)],
      'w03-writing': [textReply('GAMMA-OUTPUT')],
    },
  });
  const args = ['--runtime-dir', runtime, '--script', script, '--heartbeat-ms', '300', '--heartbeat-misses', '10'];
  let dir: string | undefined;
  const watch = new WorkerWatch(() => dir).start();
  watches.push(watch);
  const first = startCli([...args, 'crash test task'], { env: c.env });
  dir = await waitFor(() => fs.existsSync(path.join(runtime, 'sessions')) && fs.readdirSync(path.join(runtime, 'sessions')).length === 1 && onlySession(runtime), 30_000, 'the session folder');
  if (c.killWhen) {
    await waitFor(() => c.killWhen!(dir!), 60_000, 'the kill point');
    process.kill(first.pid, 'SIGKILL');
  }
  const crashed = await first.done;
  expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
  expect(readJson<{ status: string }>(path.join(dir, 'session.json')).status).toBe('running');
  if (c.waitForWorkers) await waitFor(() => watch.live().length === 0, 30_000, 'the orphaned workers to finish');

  const resumed = await runCli(['--runtime-dir', runtime, '--resume', 'latest']);
  watch.sample();
  watch.stop();
  return { dir, resumed, script, watch, journal: journalOf(dir) };
}

function expectCleanFinish(r: Awaited<ReturnType<typeof crashAndResume>>, expectedCalls: Record<string, number>) {
  expect(r.resumed.code, r.resumed.stderr).toBe(0);
  expect(r.resumed.stdout).toContain('FINAL ANSWER');
  expect(readJson<{ status: string; epoch: number }>(path.join(r.dir, 'session.json'))).toMatchObject({ status: 'completed', epoch: 1 });
  // No result lost, none duplicated: exactly one journaled result per subtask, with its output.
  const results = r.journal.filter((e) => e.type === 'result');
  expect(results.map((e) => `${e.subtask as string}=${e.output as string}`).sort()).toEqual(['alpha=ALPHA-OUTPUT', 'beta=BETA-OUTPUT', 'gamma=GAMMA-OUTPUT']);
  // Zero repeated model calls for finished subtasks (and the plan is never made twice).
  const calls = callsByAgent(r.script);
  for (const [agent, n] of Object.entries(expectedCalls)) expect(calls[agent] ?? 0, agent).toBe(n);
  expect(r.watch.maxConcurrent).toBeLessThanOrEqual(1);
  expect(r.watch.live()).toEqual([]);
}

describe('crash matrix: kill -9 of the coordinator, then --resume', () => {
  it('1. after the plan, before any spawn', async () => {
    const r = await crashAndResume({ name: 'after-plan', delays: { alpha: 0, beta: 0 }, env: { MAILROOM_CRASH_AT: 'after-plan' } });
    expect(r.journal.filter((e) => e.type === 'plan')).toHaveLength(1);
    expectCleanFinish(r, { 'w01-research': 1, 'w02-research': 1, 'w03-writing': 1 });
    // Plan call once, synthesis once.
    expect(callsByAgent(r.script).coordinator).toBe(2);
  });

  it('2. with workers running (their results wait in the mailbox for the resume)', async () => {
    const r = await crashAndResume({
      name: 'running',
      delays: { alpha: 1500, beta: 1500 },
      killWhen: (dir) => journalOf(dir).filter((e) => e.type === 'started').length === 2,
      waitForWorkers: true,
    });
    expectCleanFinish(r, { 'w01-research': 1, 'w02-research': 1, 'w03-writing': 1, coordinator: 2 });
    // The two research workers were never spawned again: one pid each, ever.
    expect(r.watch.seen.get('w01-research')?.size).toBe(1);
    expect(r.journal.filter((e) => e.type === 'spawn' && e.agent !== 'w03-writing')).toHaveLength(2);
  });
});
